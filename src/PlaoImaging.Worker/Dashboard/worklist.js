// The worklist page's script: the free-text search on the rendered rows (never sent to the server or put in the URL),
// and a poll of the table body every few seconds that updates the rows in place and announces changes politely.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var search = document.getElementById("search");
  var live = document.getElementById("live");
  var count = document.getElementById("count");

  function rows() { return document.getElementById("rows"); }

  function applySearch() {
    var text = (search && search.value || "").trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(rows().querySelectorAll("tr[data-id]"), function (tr) {
      var match = text === "" || (tr.getAttribute("data-search") || "").indexOf(text) >= 0;
      tr.hidden = !match;
      if (match) { shown++; }
    });
    return shown;
  }

  function announce(message) {
    if (!live || !message) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 50);
  }

  function update(html) {
    var parsed = new DOMParser().parseFromString("<table>" + html + "</table>", "text/html").getElementById("rows");
    var current = rows();
    if (!parsed || !current) { return; }
    var before = {};
    Array.prototype.forEach.call(current.querySelectorAll("tr[data-id]"), function (tr) {
      before[tr.getAttribute("data-id")] = tr.getAttribute("data-sig");
    });
    var added = 0, changed = 0;
    Array.prototype.forEach.call(parsed.querySelectorAll("tr[data-id]"), function (tr) {
      var id = tr.getAttribute("data-id");
      if (!(id in before)) { added++; } else if (before[id] !== tr.getAttribute("data-sig")) { changed++; }
    });
    var sameOrder = current.querySelectorAll("tr").length === parsed.querySelectorAll("tr").length;
    if (added === 0 && changed === 0 && sameOrder) { return; }

    // Keep the keyboard where it was: remember the focused link's row and focus the same link after the swap.
    var focused = document.activeElement;
    var focusRow = focused && current.contains(focused) ? focused.closest("tr") : null;
    var focusId = focusRow ? focusRow.getAttribute("data-id") : null;
    current.replaceWith(document.importNode(parsed, true));
    if (focusId) {
      var link = rows().querySelector('tr[data-id="' + focusId + '"] a');
      if (link) { link.focus(); }
    }

    var total = parseInt(rows().getAttribute("data-total") || "0", 10);
    if (count) {
      count.textContent = count.textContent.replace(/^\d+ stud(y|ies)/, total + (total === 1 ? " study" : " studies"));
    }
    applySearch();
    var parts = [];
    if (added > 0) { parts.push(added + (added === 1 ? " new study" : " new studies")); }
    if (changed > 0) { parts.push(changed + (changed === 1 ? " study updated" : " studies updated")); }
    announce(parts.join(", ") + ".");
  }

  function poll() {
    var source = rows().getAttribute("data-source");
    if (document.hidden || !source) { schedule(); return; }
    fetch(source, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) {
          announce("The worklist is no longer updating: sign in again.");
          return null;
        }
        return response.text();
      })
      .then(function (html) { if (html !== null) { update(html); schedule(); } })
      .catch(function () { schedule(); });
  }

  function schedule() { window.setTimeout(poll, POLL_MS); }

  if (search) {
    search.addEventListener("input", function () {
      var shown = applySearch();
      announce(shown + (shown === 1 ? " study shown." : " studies shown."));
    });
  }
  schedule();
}());
