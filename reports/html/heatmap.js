// The Flocking section's heatmaps: each canvas with `data-heatmap="i:j"` shows heatmap i's
// layer j from #flocking-data — tokens down, the most active neurons across, |Ẑ| as colour
// (white 0 to dark blue at the layer's largest value). Plain canvas, no library.
(() => {
  "use strict";
  const element = document.getElementById("flocking-data");
  if (!element) return;
  const { heatmaps } = JSON.parse(element.textContent);
  // ColorBrewer "Blues": sequential, readable in grey and by colour-blind readers
  const STOPS = [[255, 255, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]];
  const colour = (v) => {
    const x = (v / 255) * (STOPS.length - 1), i = Math.min(STOPS.length - 2, Math.floor(x));
    const f = x - i;
    return STOPS[i].map((c, k) => Math.round(c + (STOPS[i + 1][k] - c) * f));
  };
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

  function draw(canvas, heatmap, layer) {
    const box = canvas.parentElement.getBoundingClientRect();
    const ratio = globalThis.devicePixelRatio || 1;
    canvas.style.width = `${box.width}px`;
    canvas.style.height = `${box.height}px`;
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    const cols = layer.neurons.length, rows = layer.rows;
    const left = 96, top = 4, bottom = 34, right = 8;
    const width = box.width - left - right, height = box.height - top - bottom;
    const image = new ImageData(cols, rows);
    const data = bytes(layer.data);
    for (let i = 0; i < data.length; i++) {
      const [r, g, b] = colour(data[i]);
      image.data.set([r, g, b, 255], i * 4);
    }
    const cells = document.createElement("canvas");
    cells.width = cols;
    cells.height = rows;
    cells.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cells, left, top, width, height);
    ctx.strokeStyle = "#888";
    ctx.strokeRect(left, top, width, height);
    ctx.fillStyle = "#333";
    ctx.font = "10px ui-monospace, monospace";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const every = Math.max(1, Math.ceil(11 / (height / rows)));
    for (let t = 0; t < rows; t += every) {
      const text = JSON.stringify(heatmap.tokens[t] ?? "").slice(1, -1);
      ctx.fillText(text, left - 4, top + (t + 0.5) * (height / rows));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.font = "11px system-ui, sans-serif";
    const step = Math.max(1, Math.ceil(28 / (width / cols)));
    for (let c = 0; c < cols; c += step) {
      ctx.fillText(String(layer.neurons[c]), left + (c + 0.5) * (width / cols), top + height + 2);
    }
    ctx.fillText(
      "neuron (most active first); rows: prompt tokens",
      left + width / 2,
      top + height + 18,
    );
  }

  function drawAll() {
    for (const canvas of document.querySelectorAll("canvas[data-heatmap]")) {
      const [i, j] = canvas.dataset.heatmap.split(":").map(Number);
      draw(canvas, heatmaps[i], heatmaps[i].layers[j]);
    }
  }
  drawAll();
  let pending;
  globalThis.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(drawAll, 150);
  });
})();
