// Live progress on the runs pages while a run is queued or running (no inline script: CSP).
(function () {
  "use strict";
  var INTERVAL_MS = 3000;
  var MAX_POLLS = 400; // about 20 minutes; then the user reloads by hand

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function formatTime(value) {
    return value ? value.replace("T", " ").replace(/\.\d+/, "").replace(/(Z|[+-]00:00)$/, "") : "—";
  }

  function badgeClass(status) {
    if (status === "succeeded") { return "badge ok"; }
    if (status === "failed" || status === "partial" || status === "rate_limited") { return "badge danger"; }
    return "badge";
  }

  function updateRow(row, run) {
    function set(field, text) {
      var cell = row.querySelector('[data-field="' + field + '"]');
      if (cell) { cell.textContent = text; }
    }
    set("status_label", run.status_label);
    var badge = row.querySelector('[data-field="status_label"]');
    if (badge) { badge.className = badgeClass(run.status); }
    set("finished", formatTime(run.finished));
    set("progress", run.active ? run.items_done + " of " + run.items_total + " done" : run.repos_ok + " ok of " + run.repos_total);
    set("repos_failed", String(run.repos_failed));
    set("days_stored", String(run.days_stored));
    set("api_requests", String(run.api_requests));
    row.setAttribute("data-active", run.active ? "true" : "false");
  }

  function pollList(table) {
    var url = table.getAttribute("data-poll-url");
    var polls = 0;
    function tick() {
      polls += 1;
      getJSON(url).then(function (data) {
        var runs = data.runs || [];
        var anyActive = false;
        runs.forEach(function (run) {
          var row = table.querySelector('tr[data-run-id="' + run.id + '"]');
          if (row) { updateRow(row, run); }
          anyActive = anyActive || run.active;
        });
        var live = document.getElementById("runs-live");
        if (!anyActive) {
          if (live) { live.textContent = "All runs have finished."; }
          return;
        }
        if (polls < MAX_POLLS) { window.setTimeout(tick, INTERVAL_MS); }
      }).catch(function () {
        if (polls < MAX_POLLS) { window.setTimeout(tick, INTERVAL_MS * 2); }
      });
    }
    window.setTimeout(tick, INTERVAL_MS);
  }

  function pollDetail(panel) {
    var url = panel.getAttribute("data-reload-while-active");
    var polls = 0;
    function tick() {
      polls += 1;
      getJSON(url).then(function (data) {
        // The active run of a tenant is always among its newest runs.
        var id = Number(panel.getAttribute("data-run-id"));
        var run = (data.runs || []).filter(function (r) { return r.id === id; })[0];
        if (!run || !run.active) { window.location.reload(); return; }
        var status = panel.querySelector('[role="status"]');
        if (status) {
          status.textContent = "In progress: " + run.items_done + " of " + run.items_total + " repositories done. This page updates itself.";
        }
        if (polls < MAX_POLLS) { window.setTimeout(tick, INTERVAL_MS); }
      }).catch(function () {
        if (polls < MAX_POLLS) { window.setTimeout(tick, INTERVAL_MS * 2); }
      });
    }
    window.setTimeout(tick, INTERVAL_MS);
  }

  var table = document.querySelector("table[data-poll-url]");
  if (table) { pollList(table); }
  var panel = document.querySelector("[data-reload-while-active]");
  if (panel) { pollDetail(panel); }
})();
