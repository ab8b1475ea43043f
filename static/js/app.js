// Groupdesk progressive enhancement. The pages work without this file; it
// only opens the delete confirmation that htmx inserts as a native <dialog>,
// tells the server the browser's time zone (the "tz" cookie), applies
// rows-per-page on change, and labels the cells of wide tables so that they
// become cards on a phone. No inline scripts: the
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

  // The server shows times in the zone the "tz" cookie names. Unless the
  // moderator chose one on the account page (a name without "auto:"),
  // keep it set to the browser's zone; pages rendered before it was right
  // are shown in it from the next page on.
  function rememberTimeZone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (!zone) return;
    var m = document.cookie.match(/(?:^|;\s*)tz=([^;]*)/);
    var current = m ? m[1] : "";
    if (current !== "" && current.indexOf("auto:") !== 0) return;
    if (current === "auto:" + zone) return;
    // Zone names ("America/Argentina/Buenos_Aires") need no escaping.
    document.cookie = "tz=auto:" + zone +
      "; path=/; max-age=31536000; samesite=lax" +
      (location.protocol === "https:" ? "; secure" : "");
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

  // A <select data-autosubmit> applies its choice at once (rows per
  // page); without this script its form's own button does.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    openDialogs(e.detail.target);
  });
  document.addEventListener("htmx:load", function (e) {
    labelTables(e.detail.elt);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.setAttribute("data-js", "on");
    rememberTimeZone();
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
