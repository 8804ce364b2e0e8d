/* Dashboard charts (Chart.js, vendored). Data comes from a JSON block rendered by Django. */
(function () {
  "use strict";
  function init() {
    var el = document.getElementById("dashboard-data");
    if (!el || typeof Chart === "undefined") return;
    var data = JSON.parse(el.textContent);
    var box = document.querySelector(".charts");
    var L = {
      received: box.dataset.labelsReceived, closed: box.dataset.labelsClosed, rate: box.dataset.labelsRate,
      open: box.dataset.labelsOpen, overdue: box.dataset.labelsOverdue
    };
    // Colours chosen for contrast on white and for colour-blind readers (blue / orange).
    var BLUE = "#0b4f8a", ORANGE = "#c2410c", GREEN = "#166534";
    Chart.defaults.font.family = "system-ui, 'Noto Sans TC', 'Microsoft JhengHei', sans-serif";
    Chart.defaults.color = "#1f2933";
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = false;
    window.casesysCharts = [];
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var key = canvas.dataset.chart, d = data[key], cfg;
      if (key === "weekly") {
        cfg = { type: "line", data: { labels: d.labels, datasets: [
          { label: L.received, data: d.received, borderColor: BLUE, backgroundColor: BLUE, borderWidth: 2 },
          { label: L.closed, data: d.closed, borderColor: ORANGE, backgroundColor: ORANGE, borderWidth: 2, borderDash: [6, 3] }
        ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } };
      } else if (key === "on_time") {
        cfg = { type: "line", data: { labels: d.labels, datasets: [
          { label: L.rate, data: d.rate, borderColor: GREEN, backgroundColor: GREEN, spanGaps: true }
        ] }, options: { scales: { y: { min: 0, max: 100 } } } };
      } else {
        cfg = { type: "bar", data: { labels: d.labels, datasets: [
          { label: L.open, data: d.open, backgroundColor: BLUE },
          { label: L.overdue, data: d.overdue, backgroundColor: ORANGE }
        ] }, options: { indexAxis: d.labels.length > 6 ? "y" : "x", scales: { x: { beginAtZero: true }, y: { beginAtZero: true } } } };
      }
      window.casesysCharts.push(new Chart(canvas, cfg));
    });
    document.body.dataset.chartsReady = String(window.casesysCharts.length);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
