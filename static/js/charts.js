/* Draws every chart of a reports page with ECharts (loaded before this file).
 *
 * Each chart is a <div class="report-chart" data-chart="ID"> next to a <script type="application/json"
 * id="ID"> holding its spec (templates/reports/_chart.html):
 *   {"kind": "bar"|"pie"|"line", "title": str, "categories": [str],
 *    "series": [{"name": str, "data": [number]}], "value_format": "money"|"count", "horizontal": bool}
 * Drawn as SVG (sharp when printed), without animation, in the page's language, with the Okabe-Ito
 * palette, which people with any common colour-vision deficiency can tell apart. The figures are
 * in the page's table too: without JavaScript only the drawing is missing.
 */
(function () {
  "use strict";

  // Okabe & Ito (2008): blue, orange, bluish green, reddish purple, sky blue, vermillion, yellow, black.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

  function locale() {
    var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
    return lang.indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function formatter(kind) {
    var digits = kind === "money" ? 2 : 0;
    var format = new Intl.NumberFormat("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
    return function (value) {
      return format.format(value);
    };
  }

  // Axis ticks in short form ("1.2M", "120万"): full figures crowd each other on a narrow axis.
  function axisFormatter() {
    var lang = locale() === "ZH" ? "zh-CN" : "en-US";
    var format = new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1});
    return function (value) {
      return format.format(value);
    };
  }

  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  function option(spec) {
    var format = formatter(spec.value_format);
    var base = {
      color: PALETTE,
      animation: false,
      title: {text: spec.title, left: "center", textStyle: {fontSize: 14}},
      tooltip: {trigger: spec.kind === "pie" ? "item" : "axis", valueFormatter: format},
      aria: {enabled: true, decal: {show: spec.kind === "pie"}}
    };
    if (spec.kind === "pie") {
      var values = (spec.series[0] || {data: []}).data;
      base.legend = {type: "scroll", bottom: 0};
      base.series = [{
        type: "pie",
        name: (spec.series[0] || {}).name,
        radius: ["30%", "62%"],
        center: ["50%", "50%"],
        label: {formatter: "{b}: {d}%"},
        data: spec.categories.map(function (name, index) {
          return {name: name, value: values[index]};
        })
      }];
      return base;
    }
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: {interval: 0, hideOverlap: true, formatter: function (text) { return shorten(text, 12); }}
    };
    var valueAxis = {
      type: "value",
      axisLabel: {formatter: axisFormatter(), hideOverlap: true},
      minInterval: spec.value_format === "count" ? 1 : 0
    };
    if (spec.horizontal) {
      categoryAxis.inverse = true;  // the largest on top, as in the table
      base.xAxis = valueAxis;
      base.yAxis = categoryAxis;
      base.grid = {left: 8, right: 24, top: 40, bottom: 8, containLabel: true};
    } else {
      categoryAxis.axisLabel.rotate = spec.categories.length > 6 ? 30 : 0;
      base.xAxis = categoryAxis;
      base.yAxis = valueAxis;
      base.grid = {left: 8, right: 16, top: 40, bottom: 8, containLabel: true};
    }
    base.series = spec.series.map(function (series) {
      return {
        type: spec.kind === "line" ? "line" : "bar",
        name: series.name,
        data: series.data,
        symbolSize: 6,
        barMaxWidth: 36
      };
    });
    if (spec.series.length > 1) {
      base.legend = {bottom: 0};
    }
    return base;
  }

  var drawn = [];

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || typeof echarts === "undefined") {
      return;
    }
    // The height comes as data (the content security policy forbids style="" in markup); a script
    // may set a style through the DOM.
    element.style.height = element.getAttribute("data-height") || "";
    var chart = echarts.init(element, null, {renderer: "svg", locale: locale()});
    chart.setOption(option(JSON.parse(source.textContent)));
    element.setAttribute("data-drawn", "true");
    drawn.push(chart);
  }

  function resize() {
    drawn.forEach(function (chart) {
      chart.resize();
    });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".report-chart:not([data-drawn])"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  // A chart that arrives later (the dashboard card's body, fetched by htmx) is drawn on arrival.
  document.addEventListener("htmx:afterSettle", drawAll);
  window.addEventListener("resize", resize);
  // Printing lays the page out anew (A4 width): the charts follow.
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
