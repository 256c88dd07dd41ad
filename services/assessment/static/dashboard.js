// Draws each group's rate bars and score trend from the page's own JSON (no requests).
(function () {
  if (typeof echarts === "undefined") return;
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var labels = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var rateKeys = ["response", "on_time", "resolution", "satisfaction"];
  var colors = ["#3e7cb1", "#81b29a", "#f2cc8f", "#e07a5f"];
  var charts = [];
  data.groups.forEach(function (group) {
    var units = group.units.slice().reverse();  // best at the top of a horizontal bar chart
    var bars = document.getElementById("rates-" + group.name);
    if (bars) {
      var chart = echarts.init(bars);
      chart.setOption({
        color: colors, animation: false,
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, valueFormatter: function (v) { return v == null ? "–" : v + "%"; }},
        legend: {top: 0, data: rateKeys.map(function (k) { return labels.rates[k]; })},
        grid: {left: 8, right: 16, top: 30, bottom: 8, containLabel: true},
        xAxis: {type: "value", min: 0, max: 100},
        yAxis: {type: "category", data: units.map(function (u) { return u.unit_code; })},
        series: rateKeys.map(function (k) {
          return {name: labels.rates[k], type: "bar", barMaxWidth: 5, barGap: "15%",
                  data: units.map(function (u) { return u.rates[k]; })};
        })
      });
      charts.push(chart);
    }
    var lines = document.getElementById("trend-" + group.name);
    if (lines) {
      var trend = echarts.init(lines);
      trend.setOption({
        animation: false,
        tooltip: {trigger: "axis"},
        legend: {type: "scroll", top: 0},
        grid: {left: 8, right: 16, top: 30, bottom: 8, containLabel: true},
        xAxis: {type: "category", data: data.months},
        yAxis: {type: "value", max: 100, min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10 - 10); }},
        series: group.units.map(function (u) {
          return {name: u.unit_code, type: "line", connectNulls: false, symbolSize: 5, data: u.trend};
        })
      });
      charts.push(trend);
    }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
