/* Charts of the statistics page, drawn from the same figures as its tables. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("chart-data");
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var lang = document.documentElement.lang || "vi";
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      locale: lang,
      animation: false
    };

    new Chart(document.getElementById("chart-ratings"), {
      type: "doughnut",
      data: {
        labels: data.ratings.labels,
        datasets: [{ data: data.ratings.counts, backgroundColor: ["#1b7f3b", "#c98a00", "#b3261e"] }]
      },
      options: options
    });
    new Chart(document.getElementById("chart-months"), {
      type: "line",
      data: {
        labels: data.months.labels,
        datasets: [
          { label: data.labels.received, data: data.months.received, borderColor: "#0b5cab", pointRadius: 0 },
          { label: data.labels.resolved, data: data.months.resolved, borderColor: "#1b7f3b", pointRadius: 0 }
        ]
      },
      options: options
    });
    new Chart(document.getElementById("chart-categories"), {
      type: "bar",
      data: {
        labels: data.categories.labels,
        datasets: [{ label: data.labels.received, data: data.categories.received, backgroundColor: "#0b5cab" }]
      },
      options: Object.assign({ indexAxis: "y" }, options)
    });
  });
})();
