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
  // Bulk selection on the queues: the header box ticks or clears every row box of its group
  // (data-select-all / data-select-item name the group); ticking rows by hand updates it
  // (checked, or mixed when only some are). Delegated, so it survives htmx swapping the table.
  function syncSelectAll(group) {
    var all = document.querySelector('input[data-select-all="' + group + '"]');
    if (!all) return;
    var items = document.querySelectorAll('input[data-select-item="' + group + '"]');
    var ticked = 0;
    items.forEach(function (i) { if (i.checked) ticked += 1; });
    all.checked = items.length > 0 && ticked === items.length;
    all.indeterminate = ticked > 0 && ticked < items.length;
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (!t || !t.getAttribute) return;
    var group = t.getAttribute("data-select-all");
    if (group) {
      document.querySelectorAll('input[data-select-item="' + group + '"]').forEach(function (i) { i.checked = t.checked; });
      t.indeterminate = false;
      return;
    }
    group = t.getAttribute("data-select-item");
    if (group) syncSelectAll(group);
  });
  // After a failed submit, move focus to the first field with an error so keyboard and
  // screen-reader users land where the problem is.
  document.addEventListener("DOMContentLoaded", function () {
    // Each field in error points at its message (aria-describedby), so it is read with it.
    document.querySelectorAll(".has-error").forEach(function (box) {
      var msg = box.querySelector(".errors-box[id]");
      box.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.setAttribute("aria-invalid", "true");
        if (msg) {
          var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          if (ids.indexOf(msg.id) < 0) ids.push(msg.id);
          el.setAttribute("aria-describedby", ids.join(" "));
        }
      });
    });
    var bad = document.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (bad) bad.focus();
  });
})();
// Category suggestions (casesys.suggest): a click on a suggestion fills its field
// (data-fill: the field's id, data-fill-value: the option) and tells the field it changed,
// so whatever listens to it (the incident suggestion) follows.
document.addEventListener("click", function (ev) {
  var btn = ev.target && ev.target.closest && ev.target.closest("[data-fill]");
  if (!btn) return;
  var field = document.getElementById(btn.getAttribute("data-fill"));
  if (!field) return;
  ev.preventDefault();
  field.value = btn.getAttribute("data-fill-value");
  field.dispatchEvent(new Event("change", { bubbles: true }));
  field.focus();
});
// The mailbox pre-selects a confident suggestion only while the citizen has chosen nothing
// (or still has the previous pre-selection): never over their own choice.
document.addEventListener("htmx:afterSwap", function (ev) {
  var note = ev.target && ev.target.querySelector && ev.target.querySelector("[data-preselect]");
  if (!note) return;
  var field = document.getElementById(note.getAttribute("data-preselect"));
  var replaces = note.getAttribute("data-preselect-replaces") || "";
  if (field && (field.value === "" || field.value === replaces)) {
    field.value = note.getAttribute("data-preselect-value");
  }
});
// The receipt's print button (no inline handlers: the CSP forbids them).
document.addEventListener("click", function (ev) {
  var btn = ev.target && ev.target.closest && ev.target.closest("[data-print]");
  if (btn) { ev.preventDefault(); window.print(); }
});
