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

  // Titles and abstracts (.tex) hold TeX exactly as authors typed it, usually with "$".
  // "$$" must come before "$" so display math is not read as two empty inline formulas.
  var RAW_TEX_DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false },
  ];

  function render(element, delimiters) {
    window.renderMathInElement(element, {
      delimiters: delimiters,
      // Bad TeX from users shows as red source text instead of aborting the whole page.
      throwOnError: false,
      // Skipping already-typeset output makes typeset() safe to call twice on one element.
      ignoredClasses: ["katex"],
    });
  }

  // Typesets root itself if it is a math-bearing element, and every one inside it.
  function typeset(root) {
    if (typeof window.renderMathInElement !== "function") {
      // The page still reads (as raw TeX) if the KaTeX scripts failed to load.
      console.warn("ShortScience: KaTeX auto-render is not loaded; math left as TeX.");
      return;
    }
    root = root || document.body;
    var groups = [
      [".arithmatex", SUMMARY_DELIMITERS],
      [".tex", RAW_TEX_DELIMITERS],
    ];
    groups.forEach(function (group) {
      var selector = group[0];
      var elements = Array.prototype.slice.call(root.querySelectorAll(selector));
      if (root.matches && root.matches(selector)) {
        elements.unshift(root);
      }
      elements.forEach(function (element) {
        render(element, group[1]);
      });
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
