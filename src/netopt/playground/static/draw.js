// Canvas drawing for the playground: the output map, line charts, the network diagram and
// contour maps. Everything is computed by the server; this file only paints.
"use strict";
const ORANGE = [245, 147, 34];
const BLUE = [8, 119, 189];
const LINE_COLORS = ["#0b3d91", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

function diverging(v) {
  // v in [0, 1]: orange (0) -> white (0.5) -> blue (1)
  const w = Math.abs(v - 0.5) * 2;
  const end = v < 0.5 ? ORANGE : BLUE;
  return end.map((c) => Math.round(255 + (c - 255) * w));
}

function decodeBytes(b64) {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function paintGrid(canvas, bytes, res, colorOf) {
  const off = document.createElement("canvas");
  off.width = res; off.height = res;
  const octx = off.getContext("2d");
  const img = octx.createImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    const [r, g, b] = colorOf(bytes[i], i);
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  octx.putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

function drawBoundary(canvas, bytes, res, points, showTest, classify) {
  paintGrid(canvas, bytes, res, (v) => diverging(v / 255));
  if (!points) return;
  const ctx = canvas.getContext("2d");
  const sx = (x) => ((x + 6) / 12) * canvas.width;
  const sy = (y) => ((6 - y) / 12) * canvas.height;
  const parts = showTest ? ["train", "test"] : ["train"];
  for (const part of parts) {
    const { xy, y } = points[part];
    for (let i = 0; i < xy.length; i++) {
      const v = classify ? y[i] : (Math.max(-1, Math.min(1, y[i])) + 1) / 2;
      const [r, g, b] = v < 0.5 ? ORANGE : BLUE;
      ctx.beginPath();
      ctx.arc(sx(xy[i][0]), sy(xy[i][1]), 3, 0, 2 * Math.PI);
      ctx.fillStyle = classify ? `rgb(${r},${g},${b})` : `rgb(${diverging(v).join(",")})`;
      ctx.fill();
      ctx.lineWidth = part === "test" ? 1.5 : 1;
      ctx.strokeStyle = part === "test" ? "#000" : "#fff";
      ctx.stroke();
    }
  }
}

function drawLines(canvas, series, opts = {}) {
  // series: [{values: [number|null], color, label}] on a shared x axis (index)
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 4, left = 38;
  ctx.clearRect(0, 0, W, H);
  const tr = (v) => (opts.log ? Math.log10(Math.max(v, 1e-12)) : v);
  let lo = Infinity, hi = -Infinity, n = 0;
  for (const s of series) {
    n = Math.max(n, s.values.length);
    for (const v of s.values) if (v !== null && isFinite(v)) { lo = Math.min(lo, tr(v)); hi = Math.max(hi, tr(v)); }
  }
  ctx.strokeStyle = "#ccc"; ctx.strokeRect(left, pad, W - left - pad, H - 2 * pad);
  if (!isFinite(lo) || n === 0) return;
  if (opts.zero && !opts.log) lo = Math.min(lo, 0);
  if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
  const x = (i) => left + (n <= 1 ? 0 : (i / (n - 1)) * (W - left - pad));
  const y = (v) => pad + (1 - (tr(v) - lo) / (hi - lo)) * (H - 2 * pad);
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  const fmt = (v) => (opts.log ? `1e${v.toFixed(0)}` : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(2));
  ctx.fillText(fmt(hi), 2, pad + 9); ctx.fillText(fmt(lo), 2, H - pad);
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 1.5; ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let pen = false;
    const step = Math.max(1, Math.floor(s.values.length / 600));
    for (let i = 0; i < s.values.length; i += step) {
      const v = s.values[i];
      if (v === null || !isFinite(v)) { pen = false; continue; }
      if (pen) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
      pen = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function drawNetwork(canvas, sizes, weights, units, unitRes) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const cols = sizes.length;
  const pos = sizes.map((n, c) => {
    const x = 16 + (c / Math.max(1, cols - 1)) * (W - 32);
    return Array.from({ length: n }, (_, i) => [x, ((i + 1) / (n + 1)) * H]);
  });
  let wmax = 1e-12;
  for (const layer of weights || []) for (const row of layer) for (const w of row) wmax = Math.max(wmax, Math.abs(w));
  for (let l = 0; l < cols - 1; l++) {
    for (let j = 0; j < sizes[l + 1]; j++) {
      for (let i = 0; i < sizes[l]; i++) {
        const w = weights && weights[l] ? weights[l][j][i] : 0;
        ctx.strokeStyle = w >= 0 ? "rgba(8,119,189,0.8)" : "rgba(245,147,34,0.8)";
        ctx.lineWidth = 0.3 + 4 * Math.abs(w) / wmax;
        ctx.beginPath(); ctx.moveTo(...pos[l][i]); ctx.lineTo(...pos[l + 1][j]); ctx.stroke();
      }
    }
  }
  pos.forEach((col, c) => {
    const maps = units && c < cols - 1 ? units[c] : null;
    const size = Math.max(6, Math.min(22, H / (col.length + 1) - 2));
    col.forEach(([x, y], i) => {
      if (maps && unitRes) {
        const n = unitRes * unitRes;
        const tile = document.createElement("canvas");
        tile.width = unitRes; tile.height = unitRes;
        paintGrid(tile, maps.subarray(i * n, (i + 1) * n), unitRes, (v) => diverging(v / 255));
        ctx.drawImage(tile, x - size / 2, y - size / 2, size, size);
        ctx.strokeStyle = "#333"; ctx.lineWidth = 1; ctx.strokeRect(x - size / 2, y - size / 2, size, size);
      } else {
        ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI);
        ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = "#333"; ctx.lineWidth = 1; ctx.stroke();
      }
    });
  });
}

function drawContours(canvas, bytes, res) {
  // levels of log(1 + f - min f): a smooth fill, and iso-lines by marching squares
  const bands = 14;
  paintGrid(canvas, bytes, res, (v) => {
    const s = v / 255;
    return [Math.round(235 - 100 * s), Math.round(245 - 55 * s), Math.round(255 - 20 * s)];
  });
  const ctx = canvas.getContext("2d");
  const sx = canvas.width / (res - 1), sy = canvas.height / (res - 1);
  ctx.strokeStyle = "rgba(40, 60, 90, 0.55)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let k = 1; k < bands; k++) {
    const level = (k / bands) * 255;
    for (let r = 0; r < res - 1; r++) {
      for (let c = 0; c < res - 1; c++) {
        // corners clockwise from the top-left, and the edges between them
        const corner = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1]];
        const value = corner.map(([x, y]) => bytes[y * res + x]);
        const cuts = [];
        for (let e = 0; e < 4; e++) {
          const a = value[e], b = value[(e + 1) % 4];
          if ((a < level) !== (b < level)) {
            const w = (level - a) / (b - a);
            const [x0, y0] = corner[e], [x1, y1] = corner[(e + 1) % 4];
            cuts.push([(x0 + w * (x1 - x0)) * sx, (y0 + w * (y1 - y0)) * sy]);
          }
        }
        for (let i = 0; i + 1 < cuts.length; i += 2) {
          ctx.moveTo(...cuts[i]);
          ctx.lineTo(...cuts[i + 1]);
        }
      }
    }
  }
  ctx.stroke();
}
