// Progressive enhancement: every form here works without JavaScript; this only saves page loads.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Votes update in place; the server's answer is the truth for the score and the buttons.
  function enhanceVotes() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      // A visitor's vote goes through the plain form: the server keeps it while they log in.
      if (!form.classList || !form.classList.contains("vote-form") || form.hasAttribute("data-login-first")) return;
      event.preventDefault();
      var button = event.submitter;
      var body = new FormData(form);
      if (button && button.name) body.set(button.name, button.value);
      fetch(form.action, {
        method: "POST",
        body: body,
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin",
      })
        .then(function (response) { return response.json().then(function (data) { return [response, data]; }); })
        .then(function (result) {
          var response = result[0], data = result[1];
          if (!response.ok) { window.alert(data.error || "Your vote could not be recorded."); return; }
          form.querySelector(".score").textContent = data.score;
          var up = form.querySelector(".vote-up"), down = form.querySelector(".vote-down");
          up.classList.toggle("active", data.vote === 1);
          down.classList.toggle("active", data.vote === -1);
          up.setAttribute("aria-pressed", data.vote === 1);
          down.setAttribute("aria-pressed", data.vote === -1);
          up.value = data.vote === 1 ? "clear" : "up";
          down.value = data.vote === -1 ? "clear" : "down";
        })
        .catch(function () {
          // Fall back to the plain form; submit() sends no button, so carry the vote explicitly.
          var choice = document.createElement("input");
          choice.type = "hidden";
          choice.name = "value";
          choice.value = button ? button.value : "";
          form.appendChild(choice);
          form.submit();
        });
    });
  }

  // The Preview button asks the server's renderer, so the preview is exactly what will be published.
  function enhancePreview() {
    var form = document.querySelector("form.summary-form[data-preview-url]");
    if (!form) return;
    var pane = document.querySelector("section.preview");
    var target = document.getElementById("preview-content");
    var textarea = form.querySelector("textarea[name=body]");

    // The server rendered the text, so it is valid: the last publish's error ("the summary is empty") is stale.
    function clearBodyErrors() {
      var errors = textarea && document.getElementById(textarea.id + "_error");
      if (!errors) return;
      errors.remove();
      textarea.removeAttribute("aria-invalid");
      var described = (textarea.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== errors.id;
      });
      if (described.length) textarea.setAttribute("aria-describedby", described.join(" "));
      else textarea.removeAttribute("aria-describedby");
    }

    form.addEventListener("submit", function (event) {
      if (!event.submitter || event.submitter.name !== "preview") return;
      event.preventDefault();
      var body = new FormData(form);
      fetch(form.dataset.previewUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin",
      })
        .then(function (response) { return response.text().then(function (text) { return [response, text]; }); })
        .then(function (result) {
          var response = result[0], text = result[1];
          pane.hidden = false;
          if (!response.ok) {
            target.textContent = text;
            return;
          }
          clearBodyErrors();
          target.innerHTML = text;  // the card sanitized by the server's renderer, as the published summary will be
          pane.scrollIntoView({ behavior: "smooth", block: "start" });
        })
        .catch(function () {
          pane.hidden = false;
          target.textContent = "The preview could not be loaded. Your text is still here; try again.";
        });
    });
  }

  // "Copy share link": copies the readonly input named by data-copy-from (selecting it is the fallback).
  function enhanceCopyButtons() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[data-copy-from]");
      if (!button) return;
      var input = document.getElementById(button.dataset.copyFrom);
      if (!input) return;
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  }

  // Image uploads beside the summary form: the server's Markdown goes in where the cursor was.
  function enhanceImageUpload() {
    Array.prototype.forEach.call(document.querySelectorAll("form.image-upload[data-insert-into]"), function (form) {
      var textarea = document.querySelector(form.dataset.insertInto);
      var status = form.querySelector(".image-upload-status");
      if (!textarea) return;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        status.textContent = "Uploading…";
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) },
          credentials: "same-origin",
        })
          .then(function (response) { return response.json().then(function (data) { return [response, data]; }); })
          .then(function (result) {
            var response = result[0], data = result[1];
            if (!response.ok) { status.textContent = data.error || "The image could not be uploaded."; return; }
            // A textarea keeps its selection while the file picker has focus, so this is where the writer was.
            var start = textarea.selectionStart, end = textarea.selectionEnd;
            // The image gets a paragraph of its own, so it renders as a figure rather than inline.
            var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
            var snippet = (before && !/\n$/.test(before) ? "\n\n" : "") + data.markdown +
              (after && !/^\n/.test(after) ? "\n\n" : "");
            textarea.setRangeText(snippet, start, end, "end");
            textarea.dispatchEvent(new Event("input", { bubbles: true }));
            textarea.focus();
            status.textContent = "Inserted: " + data.markdown;
            form.reset();
          })
          .catch(function () { status.textContent = "The image could not be uploaded. Your summary is unchanged; try again."; });
      });
    });
  }

  // The header's "Menu" link (a #site-menu anchor that works without JavaScript) becomes a toggle button.
  function enhanceMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var header = document.querySelector(".site-header");
    if (!toggle || !header) return;
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    // A link announced as a button answers the space bar too.
    toggle.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); toggle.click(); }
    });
  }

  // A formula wider than its column scrolls sideways; keyboard users can scroll it only if it takes focus.
  function letWideFormulasTakeFocus() {
    Array.prototype.forEach.call(document.querySelectorAll(".summary-body div.arithmatex"), function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "group");
        box.setAttribute("aria-label", "Formula, scrolls sideways");
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  // Once the page (fonts included) has loaded, and again whenever the window changes size.
  window.addEventListener("load", letWideFormulasTakeFocus);
  window.addEventListener("resize", letWideFormulasTakeFocus);

  document.addEventListener("DOMContentLoaded", function () {
    letWideFormulasTakeFocus();
    enhanceMenu();
    enhanceVotes();
    enhancePreview();
    enhanceImageUpload();
    enhanceCopyButtons();
  });
})();
