// Typeset the page's math with KaTeX, served by the site itself (nothing from a CDN).
// Prose pages carry arithmatex's \( \) and \[ \]; notebook pages keep $ and $$.
document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.querySelector(".md-content") || document.body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    ignoredClasses: ["highlight", "jp-InputArea-editor", "jp-OutputArea-output"],
    throwOnError: false,
  });
});
