// Groupdesk progressive enhancement. The pages work without this file; it
// only opens the delete confirmation that htmx inserts as a native <dialog>,
// shows times in the moderator's own time zone, and labels the cells of wide
// tables so that they become cards on a phone. No inline scripts: the
// Content-Security-Policy forbids them.
(function () {
  "use strict";

  function openDialogs(root) {
    var dialogs = root.querySelectorAll("dialog[data-modal]");
    for (var i = 0; i < dialogs.length; i++) {
      var d = dialogs[i];
      if (d.open) continue;
      d.showModal();
      var cancel = d.querySelector("[data-dialog-cancel]");
      if (cancel) cancel.focus();
    }
  }

  // Times are rendered in UTC on the server (it cannot know the browser's
  // zone); rewrite them in local time, keeping the machine-readable value.
  function localTimes(root) {
    var lang = document.documentElement.lang || undefined;
    var times = root.querySelectorAll("time[data-local]");
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var when = new Date(t.getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      t.title = t.textContent;
      t.textContent = when.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
      t.removeAttribute("data-local");
    }
  }

  // On a phone a wide table reads better as one card per row; each cell
  // then needs its column's name, which the header already holds in the
  // page's language. Without this script the table scrolls in its box.
  function labelCells(table) {
    var heads = table.querySelectorAll("thead th");
    if (heads.length < 4) return;
    var rows = table.querySelectorAll("tbody tr");
    for (var i = 0; i < rows.length; i++) {
      var cells = rows[i].children;
      if (cells.length !== heads.length) continue; // a row spanning the table
      for (var j = 0; j < cells.length; j++) {
        cells[j].setAttribute("data-label", heads[j].textContent.trim());
      }
    }
    table.classList.add("cards");
  }

  function labelTables(root) {
    var table = root.closest ? root.closest("table") : null;
    if (table) labelCells(table);
    var tables = root.querySelectorAll ? root.querySelectorAll("table") : [];
    for (var i = 0; i < tables.length; i++) labelCells(tables[i]);
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    openDialogs(e.detail.target);
  });
  document.addEventListener("htmx:load", function (e) {
    localTimes(e.detail.elt);
    labelTables(e.detail.elt);
  });
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    labelTables(document);
  });

  // A closed confirmation is removed, so the next Delete click fetches a
  // fresh one (the group may have changed meanwhile).
  document.addEventListener("close", function (e) {
    var d = e.target;
    if (d instanceof HTMLDialogElement && d.hasAttribute("data-modal")) {
      d.remove();
    }
  }, true);
})();
