/* casesys UI behaviour. No inline scripts anywhere: this file and charts.js are all. */
(function () {
  "use strict";
  // Ctrl+Enter (or Cmd+Enter) submits keyboard-first forms such as intake registration.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || !(ev.ctrlKey || ev.metaKey)) return;
    var form = ev.target && ev.target.closest && ev.target.closest("form[data-ctrl-enter]");
    if (form) {
      ev.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });
  // After a failed submit, move focus to the first field with an error so keyboard and
  // screen-reader users land where the problem is.
  document.addEventListener("DOMContentLoaded", function () {
    var bad = document.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (bad) { bad.setAttribute("aria-invalid", "true"); bad.focus(); }
  });
})();
