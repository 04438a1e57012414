/* Draws every <canvas data-chart="ID"> from the JSON in <script type="application/json" id="ID">.
   Spec: {labels: ["YYYY-MM-DD", …], unit: "day"|"week"|"month", datasets: [{label, data: [n|null, …]}]},
   optional: fill (false: no area), tension (0: straight lines), points (always show dots), zero (false: y from data).
   null values stay gaps (spanGaps: false): an unknown day is never drawn as zero. */
(function () {
  "use strict";
  var PALETTE = ["#6366f1", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6"];
  var DATE_FORMATS = { day: "d MMM yyyy", week: "'Week of' d MMM yyyy", month: "MMMM yyyy" };

  function localDay(iso) {
    // Calendar dates are UTC days; build local midnight so the axis shows the same calendar day.
    var parts = iso.split("-");
    return new Date(+parts[0], +parts[1] - 1, +parts[2]).getTime();
  }

  function withAlpha(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var labels = spec.labels.map(localDay);
    var single = labels.length <= 1;
    var datasets = spec.datasets.map(function (set, index) {
      var color = PALETTE[index % PALETTE.length];
      return {
        label: set.label,
        data: set.data,
        borderColor: color,
        backgroundColor: index === 0 ? withAlpha(color, 0.12) : withAlpha(color, 0.05),
        fill: index === 0 && spec.fill !== false ? "origin" : false,
        borderWidth: index === 0 ? 2.5 : 2,
        borderDash: index === 0 ? [] : (spec.datasets.length === 2 ? [5, 4] : []),
        // Dense series hide points, but a value with gaps on both sides is drawn as a dot.
        pointRadius: function (ctx) {
          if (single || labels.length < 40 || spec.points) { return 2.5; }
          var i = ctx.dataIndex, d = set.data;
          return d[i] !== null && (d[i - 1] === null || i === 0) && (d[i + 1] === null || i === d.length - 1) ? 2.5 : 0;
        },
        pointHoverRadius: 5,
        tension: spec.tension === undefined ? 0.25 : spec.tension,
        spanGaps: false
      };
    });
    var unit = spec.unit || "day";
    canvas.chart = new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 8, color: "#475569" } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var value = ctx.raw;
                return " " + ctx.dataset.label + ": " + (value === null || value === undefined ? "no data" : value.toLocaleString());
              }
            }
          }
        },
        scales: {
          x: {
            type: "time",
            time: { unit: unit, tooltipFormat: DATE_FORMATS[unit] || DATE_FORMATS.day, isoWeekday: true },
            grid: { display: false },
            ticks: { color: "#64748b", maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }
          },
          y: {
            beginAtZero: spec.zero !== false,
            grid: { color: "#eef2f7" },
            border: { display: false },
            ticks: { color: "#64748b", precision: 0 }
          }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }

  function drawSparkline(canvas) {
    var values = canvas.dataset.values.split(",").map(function (v) { return v === "" ? null : +v; });
    var ctx = canvas.getContext("2d");
    var ratio = window.devicePixelRatio || 1;
    var width = canvas.width, height = canvas.height;
    canvas.width = width * ratio; canvas.height = height * ratio;
    canvas.style.width = width + "px"; canvas.style.height = height + "px";
    ctx.scale(ratio, ratio);
    var known = values.filter(function (v) { return v !== null; });
    if (!known.length) { return; }
    var max = Math.max.apply(null, known) || 1;
    var step = values.length > 1 ? (width - 4) / (values.length - 1) : 0;
    ctx.strokeStyle = "#6366f1"; ctx.lineWidth = 1.5; ctx.lineJoin = "round";
    ctx.beginPath();
    var open = false;
    values.forEach(function (v, i) {
      if (v === null) { open = false; return; }   // a gap breaks the line
      var x = 2 + i * step, y = height - 3 - (v / max) * (height - 6);
      if (open) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); open = true; }
    });
    ctx.stroke();
  }

  function sizeBars() {
    // Breakdown rows: a proportional bar behind the label (set through CSSOM; no inline style in HTML).
    document.querySelectorAll("[data-bar]").forEach(function (bar) {
      var max = +bar.dataset.barMax || 1;
      bar.style.width = Math.max(2, Math.round((+bar.dataset.bar / max) * 100)) + "%";
    });
  }

  function init() {
    if (typeof Chart !== "undefined") {
      Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    }
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
    document.querySelectorAll("canvas.sparkline").forEach(drawSparkline);
    sizeBars();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
