/* Dashboard and survey-report charts (Chart.js, vendored). Data comes from a JSON block rendered by Django. */
(function () {
  "use strict";
  function init() {
    var el = document.getElementById("dashboard-data");
    if (!el || typeof Chart === "undefined") return;
    var data = JSON.parse(el.textContent);
    var box = document.querySelector(".charts");
    var L = {
      received: box.dataset.labelsReceived, closed: box.dataset.labelsClosed, rate: box.dataset.labelsRate,
      open: box.dataset.labelsOpen, overdue: box.dataset.labelsOverdue, routed: box.dataset.labelsRouted,
      response: box.dataset.labelsResponse, followup: box.dataset.labelsFollowup,
      score: box.dataset.labelsScore, dissatisfied: box.dataset.labelsDissatisfied
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
          { label: L.closed, data: d.closed, borderColor: ORANGE, backgroundColor: ORANGE, borderWidth: 2, borderDash: [6, 3] },
          { label: L.routed, data: d.routed_out, borderColor: GREEN, backgroundColor: GREEN, borderWidth: 2, borderDash: [2, 2] }
        ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } };
      } else if (key === "survey_rates") {
        d = data.surveys;
        cfg = { type: "line", data: { labels: d.labels, datasets: [
          { label: L.response, data: d.response_rate, borderColor: BLUE, backgroundColor: BLUE, spanGaps: true },
          { label: L.followup, data: d.follow_up_rate, borderColor: GREEN, backgroundColor: GREEN, borderDash: [6, 3], spanGaps: true }
        ] }, options: { scales: { y: { min: 0, max: 100 } } } };
      } else if (key === "survey_scores") {
        d = data.surveys;
        // Counts as bars on the left axis, the 1–5 average as a line on the right one.
        cfg = { type: "bar", data: { labels: d.labels, datasets: [
          { label: L.dissatisfied, data: d.dissatisfied, backgroundColor: ORANGE, yAxisID: "y" },
          { type: "line", label: L.score, data: d.avg_score, borderColor: BLUE, backgroundColor: BLUE, spanGaps: true, yAxisID: "y1" }
        ] }, options: { scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, position: "left" },
          y1: { min: 1, max: 5, position: "right", grid: { drawOnChartArea: false } }
        } } };
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
