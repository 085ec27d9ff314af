// Draws each chart on the page with plotly.js. The chart's spec comes from the JSON that
// Django's json_script filter writes into the page, found by the id in the element's
// data-chart attribute, so nothing here is inline script and the CSP needs no exception
// (docs/adr/0010). Without JavaScript the figure's caption and data table still say it all.
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || !window.Plotly) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, spec.data, spec.layout, spec.config);
  }

  function drawWithin(root) {
    root.querySelectorAll("[data-chart]").forEach(draw);
  }

  drawWithin(document);
  // Filters swap a dashboard's results in with htmx: draw the charts that arrive.
  document.body.addEventListener("htmx:afterSettle", function () {
    drawWithin(document);
  });
})();
