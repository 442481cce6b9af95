/* HotDash page behaviour: draw the ECharts charts described by `data-chart` attributes, keep them drawn
   across htmx swaps, and submit the store picker on change. No inline scripts, no third-party requests. */
(function () {
  "use strict";

  var PALETTE = ["#3b6fd8", "#e8590c", "#2f9e44", "#7048e8", "#0c8599", "#c2255c"];
  var MUTED = "#a5adba";
  var INK = "#5f6b7a";
  var GRID = "#eef0f3";
  var charts = new Set();

  function formatter(unit, currency, compact) {
    var money = null;
    try {
      money = new Intl.NumberFormat("en-US", {
        style: "currency",
        currency: currency || "USD",
        notation: compact ? "compact" : "standard",
        maximumFractionDigits: compact ? 1 : 0,
      });
    } catch (e) {
      money = null;
    }
    var number = new Intl.NumberFormat("en-US", {
      notation: compact ? "compact" : "standard",
      maximumFractionDigits: 1,
    });
    return function (value) {
      if (value === null || value === undefined || value === "-" || isNaN(value)) {
        return "–";
      }
      switch (unit) {
        case "money":
          return money ? money.format(value) : number.format(value) + " " + currency;
        case "percent":
          return Number(value).toFixed(1) + "%";
        case "rate":
          return (Number(value) * 100).toFixed(1) + "%";
        case "minutes":
          return number.format(value) + " min";
        case "hours":
          return number.format(value) + " h";
        case "days":
          return number.format(value) + " d";
        case "per_day":
          return number.format(value) + "/day";
        default:
          return number.format(value);
      }
    };
  }

  // Comparison series (last week, baseline) are drawn quieter than the current one.
  function isComparison(name) {
    return /last week|previous|baseline|avg|average|target/i.test(name || "");
  }

  function seriesMax(series) {
    return series.values.reduce(function (max, v) {
      return v === null || v === undefined ? max : Math.max(max, Math.abs(v));
    }, 0);
  }

  function cartesianOption(spec, small) {
    var full = formatter(spec.unit, spec.currency, false);
    var compact = formatter(spec.unit, spec.currency, true);
    var plainFull = formatter("count", spec.currency, false);
    var plainCompact = formatter("count", spec.currency, true);
    var several = spec.series.length > 1;
    // A companion series on a far smaller scale (units beside revenue) gets its own axis on the right, in
    // plain numbers, instead of lying flat along the bottom of the first one's axis.
    var leading = several ? seriesMax(spec.series[0]) : 0;
    var secondary = spec.series.map(function (s, i) {
      return i > 0 && !isComparison(s.name) && leading > 0 && seriesMax(s) * 20 < leading;
    });
    var twoAxes = secondary.some(Boolean);
    var colour = 0;
    var yAxis = [
      {
        type: "value",
        splitNumber: small ? 3 : 5,
        axisLabel: { color: INK, fontSize: small ? 10 : 11, formatter: compact },
        splitLine: { lineStyle: { color: GRID } },
      },
    ];
    if (twoAxes) {
      yAxis.push({
        type: "value",
        splitNumber: small ? 3 : 5,
        axisLabel: { color: INK, fontSize: small ? 10 : 11, formatter: plainCompact },
        splitLine: { show: false },
      });
    }
    return {
      animation: false,
      textStyle: { fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
      grid: { left: 4, right: 16, top: several ? 28 : 10, bottom: 2, containLabel: true },
      tooltip: { trigger: "axis", confine: true },
      // One line of legend, scrolling when the series do not fit, so it never covers the plot.
      legend: several
        ? {
            type: "scroll",
            top: 0,
            left: 0,
            right: 0,
            itemWidth: 14,
            itemHeight: 8,
            pageIconSize: 10,
            textStyle: { color: INK, fontSize: 11 },
          }
        : undefined,
      xAxis: {
        type: "category",
        data: spec.x,
        boundaryGap: spec.kind === "bar",
        axisLine: { lineStyle: { color: "#d0d5dd" } },
        axisTick: { show: false },
        axisLabel: {
          color: INK,
          fontSize: small ? 10 : 11,
          hideOverlap: true,
          // A line starts at the axis edge: keep its first and last labels inside the chart.
          alignMinLabel: spec.kind === "line" ? "left" : null,
          alignMaxLabel: spec.kind === "line" ? "right" : null,
        },
      },
      yAxis: yAxis,
      series: spec.series.map(function (s, i) {
        var quiet = several && isComparison(s.name);
        var color = quiet ? MUTED : PALETTE[colour++ % PALETTE.length];
        var series = {
          name: s.name,
          type: spec.kind,
          data: s.values,
          color: color,
          yAxisIndex: secondary[i] ? 1 : 0,
          tooltip: { valueFormatter: secondary[i] ? plainFull : full },
          emphasis: { focus: "series" },
        };
        if (spec.kind === "line") {
          series.smooth = 0.2;
          series.showSymbol = spec.x.length <= 12;
          series.symbolSize = 5;
          series.lineStyle = { width: quiet ? 1.5 : 2.5, type: quiet ? "dashed" : "solid" };
          if (!several) {
            series.areaStyle = { opacity: 0.08 };
          }
        } else {
          series.barMaxWidth = 28;
          series.itemStyle = { borderRadius: [3, 3, 0, 0] };
        }
        return series;
      }),
    };
  }

  function heatmapOption(spec, small) {
    var full = formatter(spec.unit, spec.currency, false);
    var rows = spec.y && spec.y.length ? spec.y : spec.series.map(function (s) { return s.name; });
    var data = [];
    var max = 0;
    spec.series.forEach(function (s, row) {
      s.values.forEach(function (value, col) {
        if (value !== null && value !== undefined) {
          data.push([col, row, value]);
          max = Math.max(max, value);
        }
      });
    });
    return {
      animation: false,
      textStyle: { fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
      grid: { left: 4, right: 8, top: 6, bottom: small ? 30 : 40, containLabel: true },
      tooltip: {
        confine: true,
        formatter: function (p) {
          // Tooltips are HTML: labels come from data, so they are escaped.
          var enc = echarts.format.encodeHTML;
          return enc(rows[p.value[1]]) + " · " + enc(spec.x[p.value[0]]) + ": <b>" + enc(full(p.value[2])) + "</b>";
        },
      },
      xAxis: {
        type: "category",
        data: spec.x,
        splitArea: { show: true },
        axisTick: { show: false },
        axisLabel: { color: INK, fontSize: small ? 10 : 11, interval: 0 },
      },
      yAxis: {
        type: "category",
        data: rows,
        inverse: true, // the first row (e.g. the top tier) on top, as in a table
        splitArea: { show: true },
        axisTick: { show: false },
        axisLabel: { color: INK, fontSize: small ? 10 : 11 },
      },
      visualMap: {
        min: 0,
        max: max || 1,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: small ? 80 : 140,
        itemWidth: 10,
        textStyle: { color: INK, fontSize: 10 },
        inRange: { color: ["#f1f5fb", "#9ec1f0", "#2f62c9"] },
      },
      series: [
        {
          type: "heatmap",
          data: data,
          label: { show: true, fontSize: small ? 10 : 12, formatter: function (p) { return full(p.value[2]); } },
          itemStyle: { borderColor: "#fff", borderWidth: 2 },
          emphasis: { itemStyle: { shadowBlur: 6, shadowColor: "rgba(0,0,0,.2)" } },
        },
      ],
    };
  }

  function draw(el) {
    if (el.dataset.chartReady === "1" || typeof echarts === "undefined") {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(el.getAttribute("data-chart"));
    } catch (e) {
      el.textContent = "This chart's data could not be read.";
      return;
    }
    var small = !!el.closest(".chart-small");
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(spec.kind === "heatmap" ? heatmapOption(spec, small) : cartesianOption(spec, small));
    el.dataset.chartReady = "1";
    charts.add(chart);
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  // Dispose the charts of elements that are about to be replaced or are gone, so instances do not leak.
  function disposeWithin(root) {
    charts.forEach(function (chart) {
      var dom = chart.getDom();
      if (!dom || !document.body.contains(dom) || (root && root.contains(dom))) {
        chart.dispose();
        charts.delete(chart);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    // A partial that was redirected to a full page (an expired session sent to /login) must not be pasted
    // into a tile card: go to that page instead.
    if (xhr && xhr.responseText && /<html[\s>]/i.test(xhr.responseText)) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL || window.location.href);
      return;
    }
    if (event.detail.shouldSwap) {
      disposeWithin(event.detail.target);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    disposeWithin(null);
    drawAll(document);
    markFresh(document);
  });

  // A refreshing part of the page (summary, priorities, a tile) remembers when its figures were drawn. When a
  // refresh fails, htmx keeps the old content: say so on it, with the time of its figures, instead of showing
  // stale numbers as if they were current. Polling goes on, and the next good answer replaces the notice.
  function markFresh(root) {
    var now = new Date().toISOString();
    (root || document).querySelectorAll("[hx-trigger^='every']").forEach(function (element) {
      if (!element.dataset.figuresFrom) {
        element.dataset.figuresFrom = now;
      }
    });
  }

  function clockTime(iso) {
    var moment = iso ? new Date(iso) : new Date();
    return moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  function refreshFailed(event) {
    var element = event.detail && event.detail.elt;
    if (!element || !element.matches || !element.matches("[hx-trigger^='every']")) {
      return;
    }
    var notice = element.querySelector(":scope > .stale-notice");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "stale-notice";
      notice.setAttribute("role", "status");
      element.insertBefore(notice, element.firstChild);
    }
    notice.textContent =
      "Figures from " + clockTime(element.dataset.figuresFrom) + ", refresh failed, retrying.";
    element.classList.add("is-stale");
  }

  document.addEventListener("DOMContentLoaded", function () {
    markFresh(document);
  });
  document.addEventListener("htmx:responseError", refreshFailed);
  document.addEventListener("htmx:sendError", refreshFailed);
  document.addEventListener("htmx:timeout", refreshFailed);

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    }, 100);
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.requestSubmit();
    }
  });

  // For tests and the curious: how many charts are drawn right now.
  window.hotdashCharts = function () {
    return charts.size;
  };
})();
