// Typesets LaTeX in the page with the vendored KaTeX auto-render, and exposes
// window.ShortScience.typeset(element) for HTML inserted later (the summary preview).
(function () {
  "use strict";

  // Summaries are rendered server-side by pymdown-extensions arithmatex (generic mode),
  // which wraps every formula in .arithmatex using \(...\) or \[...\]; a bare "$" in a
  // summary is just a dollar sign, so "$" is deliberately not a delimiter here.
  var SUMMARY_DELIMITERS = [
    { left: "\\[", right: "\\]", display: true },
    { left: "\\(", right: "\\)", display: false },
  ];

  // Titles and abstracts (.tex) hold TeX as authors typed it. Their text is split into words
  // and formulas by the same rules as summaries: $$...$$ and \[...\] display, $...$ and \(...\)
  // inline, and \$ a plain dollar sign (KaTeX's own "$" delimiter would open a formula there).
  var RAW_TEX = /\\\$|\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|\$((?:\\[\s\S]|[^$\\])+?)\$/g;

  function formula(tex, display) {
    var span = document.createElement("span");
    span.className = "arithmatex";
    span.textContent = display ? "\\[" + tex + "\\]" : "\\(" + tex + "\\)";
    return span;
  }

  function delimitRawTex(element) {
    if (element.getAttribute("data-tex-delimited")) return;  // typeset() may run twice
    element.setAttribute("data-tex-delimited", "1");
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    var textNodes = [];
    while (walker.nextNode()) textNodes.push(walker.currentNode);
    textNodes.forEach(function (node) {
      var text = node.nodeValue, last = 0, match, pieces = document.createDocumentFragment();
      RAW_TEX.lastIndex = 0;
      while ((match = RAW_TEX.exec(text)) !== null) {
        pieces.appendChild(document.createTextNode(text.slice(last, match.index)));
        if (match[0] === "\\$") {
          pieces.appendChild(document.createTextNode("$"));
        } else {
          var display = match[1] !== undefined || match[2] !== undefined;
          pieces.appendChild(formula(match[1] || match[2] || match[3] || match[4], display));
        }
        last = RAW_TEX.lastIndex;
      }
      if (last === 0) return;
      pieces.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(pieces, node);
    });
  }

  function render(element, delimiters) {
    window.renderMathInElement(element, {
      delimiters: delimiters,
      // Bad TeX from users shows as red source text instead of aborting the whole page.
      throwOnError: false,
      // Skipping already-typeset output makes typeset() safe to call twice on one element.
      ignoredClasses: ["katex"],
    });
  }

  // root itself when it matches, and every element inside it that does.
  function within(root, selector) {
    var elements = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) elements.unshift(root);
    return elements;
  }

  // Typesets root itself if it is a math-bearing element, and every one inside it.
  function typeset(root) {
    if (typeof window.renderMathInElement !== "function") {
      // The page still reads (as raw TeX) if the KaTeX scripts failed to load.
      console.warn("ShortScience: KaTeX auto-render is not loaded; math left as TeX.");
      return;
    }
    root = root || document.body;
    within(root, ".tex").forEach(delimitRawTex);
    within(root, ".arithmatex").forEach(function (element) {
      render(element, SUMMARY_DELIMITERS);
    });
  }

  window.ShortScience = window.ShortScience || {};
  window.ShortScience.typeset = typeset;

  // Works whether this script is deferred, at the end of <body>, or loaded after the DOM is ready.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      typeset(document.body);
    });
  } else {
    typeset(document.body);
  }
})();
