// The report page's own script: draws the charts described in #report-data with chart.js
// (inlined before this script), with error bars and point labels as small plugins, and makes
// tables with a `data-sortable` attribute sortable by clicking their headers.
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);

  // Colour (Okabe–Ito, safe for colour-blind readers), marker and dash: never colour alone.
  const STYLES = [
    { color: "#000000", point: "circle", dash: [] }, // full model
    { color: "#0072B2", point: "triangle", dash: [] }, // topk
    { color: "#D55E00", point: "rect", dash: [6, 3] }, // sample
    { color: "#009E73", point: "rectRot", dash: [2, 2] }, // topk_sample
    { color: "#CC79A7", point: "crossRot", dash: [8, 3, 2, 3] }, // random
    { color: "#E69F00", point: "star", dash: [1, 3] }, // magnitude
    { color: "#000000", point: false, dash: [4, 4] }, // reference line
    { color: "#777777", point: false, dash: [10, 4] }, // roofline ceiling
    { color: "#999999", point: false, dash: [3, 3] }, // Pareto front
  ];

  const errorBars = {
    id: "errorBars",
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const y = chart.scales.y;
      chart.data.datasets.forEach((dataset, i) => {
        const meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        dataset.data.forEach((point, j) => {
          if (!(point.se > 0)) return;
          const element = meta.data[j];
          const low = Math.max(point.y - point.se, y.type === "logarithmic" ? y.min : -Infinity);
          const top = y.getPixelForValue(point.y + point.se);
          const bottom = y.getPixelForValue(low);
          ctx.save();
          const area = chart.chartArea;
          ctx.beginPath();
          ctx.rect(area.left - 6, area.top, area.right - area.left + 12, area.bottom - area.top);
          ctx.clip();
          ctx.strokeStyle = dataset.borderColor;
          ctx.lineWidth = 1.2;
          ctx.setLineDash([]);
          ctx.beginPath();
          ctx.moveTo(element.x, top);
          ctx.lineTo(element.x, bottom);
          for (const end of [top, bottom]) {
            ctx.moveTo(element.x - 4, end);
            ctx.lineTo(element.x + 4, end);
          }
          ctx.stroke();
          ctx.restore();
        });
      });
    },
  };

  const pointLabels = {
    id: "pointLabels",
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      chart.data.datasets.forEach((dataset, i) => {
        const meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        dataset.data.forEach((point, j) => {
          if (!point.label) return;
          ctx.save();
          ctx.font = "11px system-ui, sans-serif";
          ctx.fillStyle = "#333";
          // alternate above and below by series, so labels of nearby points overlap less
          const dy = i % 2 === 0 ? -7 : 14;
          ctx.fillText(point.label, meta.data[j].x + 7, meta.data[j].y + dy);
          ctx.restore();
        });
      });
    },
  };

  function dataset(series) {
    const style = STYLES[series.style] ?? STYLES[0];
    return {
      label: series.label,
      data: series.points,
      borderColor: style.color,
      backgroundColor: series.secondary ? "#ffffff" : style.color,
      borderDash: series.secondary ? [3, 3] : style.dash,
      borderWidth: style.point ? 2 : 1.5,
      pointStyle: style.point || "line",
      pointRadius: style.point ? 5 : 0,
      pointHoverRadius: style.point ? 7 : 0,
      showLine: series.points.length > 1,
      clip: false,
    };
  }

  function tooltipLabel(context) {
    const point = context.raw;
    const se = point.se > 0 ? ` ± ${point.se.toPrecision(2)}` : "";
    return `${context.dataset.label}: x=${point.x}, y=${point.y.toPrecision(4)}${se}`;
  }

  // y range wide enough for every error bar (on a log scale, positive values only)
  function yBounds(spec) {
    const values = spec.series.flatMap((s) =>
      s.points.flatMap((p) => [p.y - (p.se ?? 0), p.y + (p.se ?? 0), p.y])
    ).filter((v) => Number.isFinite(v) && (!spec.yLog || v > 0));
    if (values.length === 0) return {};
    const low = Math.min(...values), high = Math.max(...values);
    if (spec.yLog) return { min: low / 1.15, max: high * 1.15 };
    const pad = (high - low) * 0.05 || Math.abs(high) * 0.05 || 1;
    return {
      suggestedMin: low >= 0 ? Math.max(0, low - pad) : low - pad,
      suggestedMax: high + pad,
    };
  }

  for (const spec of data.charts) {
    const canvas = document.getElementById(spec.id);
    if (!canvas) continue;
    new Chart(canvas, {
      type: "scatter",
      data: { datasets: spec.series.map(dataset) },
      plugins: [errorBars, pointLabels],
      options: {
        animation: false,
        layout: { padding: { right: 36, top: 8 } },
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: {
            type: "linear",
            min: spec.xRange?.[0],
            max: spec.xRange?.[1],
            title: { display: true, text: spec.xLabel },
          },
          y: {
            type: spec.yLog ? "logarithmic" : "linear",
            ...yBounds(spec),
            title: { display: true, text: spec.yLabel },
          },
        },
        plugins: {
          legend: {
            position: "bottom",
            labels: {
              usePointStyle: true,
              boxWidth: 10,
              // the reference line is explained by the full model's own entry
              filter: (item) => !item.text.endsWith("(reference line)"),
            },
          },
          tooltip: { callbacks: { label: tooltipLabel } },
        },
      },
    });
  }

  for (const table of document.querySelectorAll("table[data-sortable]")) {
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, column) => {
      const button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((other) => other.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const key = (row) => {
          const cell = row.cells[column];
          const value = cell.dataset.v ?? cell.textContent.trim();
          const number = Number(value);
          return value !== "" && Number.isFinite(number) ? number : value;
        };
        const rows = [...body.rows].sort((a, b) => {
          const x = key(a), y = key(b);
          const order = typeof x === "number" && typeof y === "number"
            ? x - y
            : String(x).localeCompare(String(y));
          return ascending ? order : -order;
        });
        body.append(...rows);
      });
    });
  }
})();
