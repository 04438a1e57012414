/* Draws every <canvas data-chart="ID"> from the JSON in <script type="application/json" id="ID">.
   Spec: {labels: ["YYYY-MM-DD", …], unit: "day"|"week"|"month", datasets: [{label, data: [n|null, …]}]},
   optional: fill (false: no area), tension (0: straight lines), points (always show dots), zero (false: y from data),
   complete ([bool] per label: false = incomplete bucket) and notes ([text] per label, the tooltip's reason),
   spanGaps (true: join a level series across unseen days), dataset.axis ("y1": right-hand axis), dataset.muted (grey line, e.g. folded "other" values).
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

  function spanDays(labels) {
    return labels.length > 1 ? (labels[labels.length - 1] - labels[0]) / 86400000 : 0;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var labels = spec.labels.map(localDay);
    var single = labels.length <= 1;
    // Coverage: complete[i] false marks a bucket that is cut by the range, still running or partly
    // collected. It is drawn hollow, reached by a dashed segment, and its tooltip says why.
    var complete = spec.complete || null;
    var notes = spec.notes || [];
    function partial(i) { return complete !== null && complete[i] === false; }
    var datasets = spec.datasets.map(function (set, index) {
      var color = set.muted ? "#94a3b8" : PALETTE[index % PALETTE.length];
      return {
        label: set.label,
        data: set.data,
        yAxisID: set.axis || "y",
        borderColor: color,
        backgroundColor: index === 0 ? withAlpha(color, 0.12) : withAlpha(color, 0.05),
        fill: index === 0 && spec.fill !== false ? "origin" : false,
        borderWidth: index === 0 ? 2.5 : 2,
        segment: {
          borderDash: function (ctx) { return partial(ctx.p0DataIndex) || partial(ctx.p1DataIndex) ? [5, 4] : undefined; },
          backgroundColor: function (ctx) {
            return partial(ctx.p0DataIndex) || partial(ctx.p1DataIndex) ? withAlpha(color, 0.04) : undefined;
          }
        },
        // Dense series hide points, but a value with gaps on both sides and an incomplete bucket show one.
        pointRadius: function (ctx) {
          var i = ctx.dataIndex, d = set.data;
          if (d[i] === null) { return 0; }
          if (partial(i)) { return 3.5; }
          if (single || labels.length < 40 || spec.points) { return 2.5; }
          return (d[i - 1] === null || i === 0) && (d[i + 1] === null || i === d.length - 1) ? 2.5 : 0;
        },
        pointBackgroundColor: function (ctx) { return partial(ctx.dataIndex) ? "#ffffff" : color; },
        pointBorderColor: color,
        pointBorderWidth: function (ctx) { return partial(ctx.dataIndex) ? 2 : 1; },
        pointHoverRadius: 5,
        tension: spec.tension === undefined ? 0.25 : spec.tension,
        // Levels (stars) may join across unseen days; traffic never does: an unknown day is a gap.
        spanGaps: spec.spanGaps === true
      };
    });
    var unit = spec.unit || "day";
    // Long ranges get years on the axis; the tick unit may grow (days → months) but never shrink.
    var long = spanDays(labels) > 200;
    var formats = long
      ? { day: "d MMM yy", week: "d MMM yy", month: "MMM yyyy", quarter: "MMM yyyy", year: "yyyy" }
      : { day: "d MMM", week: "d MMM", month: "MMM yyyy", quarter: "MMM yyyy", year: "yyyy" };
    var scales = {
      x: {
        type: "time",
        time: { minUnit: unit, tooltipFormat: DATE_FORMATS[unit] || DATE_FORMATS.day, isoWeekday: true,
                displayFormats: formats },
        grid: { display: false },
        ticks: { color: "#64748b", maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }
      },
      y: {
        beginAtZero: spec.zero !== false,
        grace: spec.zero === false ? "5%" : 0,
        grid: { color: "#eef2f7" },
        border: { display: false },
        ticks: { color: "#64748b", precision: 0 }
      }
    };
    if (spec.datasets.some(function (set) { return set.axis === "y1"; })) {
      scales.y1 = { position: "right", beginAtZero: spec.zero !== false, grace: "5%", grid: { display: false },
                    border: { display: false }, ticks: { color: "#64748b", precision: 0 } };
    }
    canvas.chart = new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: {
            position: "bottom",
            labels: {
              usePointStyle: true, boxWidth: 8, color: "#475569",
              // Legend dots are filled with the line's colour (the hollow style means "incomplete").
              generateLabels: function (chart) {
                return Chart.defaults.plugins.legend.labels.generateLabels(chart).map(function (item) {
                  item.fillStyle = item.strokeStyle;
                  item.lineDash = [];
                  return item;
                });
              }
            }
          },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var value = ctx.raw;
                return " " + ctx.dataset.label + ": " + (value === null || value === undefined ? "no data" : value.toLocaleString());
              },
              footer: function (items) {
                var note = items.length ? notes[items[0].dataIndex] : "";
                return note ? "Incomplete: " + note : "";
              }
            }
          }
        },
        scales: scales
      }
    });
    canvas.dataset.drawn = "true";
    canvas.dataset.partialBuckets = String(complete ? complete.filter(function (c, i) {
      return c === false && spec.datasets[0].data[i] !== null;
    }).length : 0);
  }

  function drawSparkline(canvas) {
    var values = canvas.dataset.values.split(",").map(function (v) { return v === "" ? null : +v; });
    // data-partial: "1" for buckets the range cuts (the running week, the first week): drawn dashed
    // and hollow, so a partial bucket does not read as a cliff.
    var partial = (canvas.dataset.partial || "").split(",").map(function (v) { return v === "1"; });
    var ctx = canvas.getContext("2d");
    var ratio = window.devicePixelRatio || 1;
    var width = canvas.width, height = canvas.height;
    canvas.width = width * ratio; canvas.height = height * ratio;
    canvas.style.width = width + "px"; canvas.style.height = height + "px";
    ctx.scale(ratio, ratio);
    var known = values.filter(function (v) { return v !== null; });
    if (!known.length) { return; }
    var max = Math.max.apply(null, known) || 1;
    var step = values.length > 1 ? (width - 8) / (values.length - 1) : 0;
    function at(i) { return { x: 4 + i * step, y: height - 4 - (values[i] / max) * (height - 8) }; }
    ctx.strokeStyle = "#6366f1"; ctx.lineWidth = 1.5; ctx.lineJoin = "round";
    for (var i = 1; i < values.length; i += 1) {
      if (values[i] === null || values[i - 1] === null) { continue; }   // a gap breaks the line
      var a = at(i - 1), b = at(i);
      ctx.setLineDash(partial[i] || partial[i - 1] ? [3, 2] : []);
      ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
    }
    ctx.setLineDash([]);
    values.forEach(function (v, j) {
      var lonely = v !== null && (j === 0 || values[j - 1] === null) && (j === values.length - 1 || values[j + 1] === null);
      if (v === null || !(partial[j] || lonely)) { return; }
      var p = at(j);
      ctx.beginPath(); ctx.arc(p.x, p.y, 2.2, 0, 2 * Math.PI);
      ctx.fillStyle = partial[j] ? "#ffffff" : "#6366f1"; ctx.fill(); ctx.stroke();
    });
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
