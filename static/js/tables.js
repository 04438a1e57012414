/* Small table helpers (no inline script: loaded as a static file).
   - <table data-sortable>: header <button data-sort-key="N" [data-sort-type="number"]> sorts by the
     cells' data-sort-value (or text); the header's aria-sort tells screen readers the order.
   - <input data-table-filter="TABLE_ID">: hides rows whose data-filter-text does not contain the query. */
(function () {
  "use strict";

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.dataset.sortValue !== undefined ? cell.dataset.sortValue : cell.textContent.trim();
    return numeric ? parseFloat(raw) || 0 : raw.toLowerCase();
  }

  function sortBy(table, button) {
    var th = button.closest("th");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = button.dataset.sortType === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    if (numeric && th.getAttribute("aria-sort") === "none") { ascending = false; }
    table.querySelectorAll("thead th").forEach(function (other) {
      if (other.querySelector("button[data-sort-key]")) { other.setAttribute("aria-sort", "none"); }
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function filter(input) {
    var table = document.getElementById(input.dataset.tableFilter);
    if (!table) { return; }
    var query = input.value.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var match = !query || (row.dataset.filterText || row.textContent.toLowerCase()).indexOf(query) !== -1;
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    var empty = table.closest(".panel") && table.closest(".panel").querySelector(".table-empty");
    if (empty) { empty.hidden = shown !== 0; }
  }

  function init() {
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      table.querySelectorAll("button[data-sort-key]").forEach(function (button) {
        button.addEventListener("click", function () { sortBy(table, button); });
      });
    });
    document.querySelectorAll("input[data-table-filter]").forEach(function (input) {
      input.addEventListener("input", function () { filter(input); });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
