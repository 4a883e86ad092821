// The optimizer race panel: racers, the request, and the step-by-step animation.
"use strict";
const RACE_OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"];
const OPT_LABEL = { sgd: "sgd", momentum: "momentum_opt", nesterov: "nesterov", adagrad: "adagrad",
                    rmsprop: "rmsprop", adam: "adam", adamw: "adamw" };
const RACER_KEYS = { sgd: [], momentum: ["momentum"], nesterov: ["momentum"], adagrad: [],
                     rmsprop: ["alpha"], adam: ["beta1", "beta2"], adamw: ["beta1", "beta2"] };
const RACER_RANGES = { lr: [0.000001, 100], momentum: [0, 0.999], beta1: [0, 0.999],
                       beta2: [0, 0.9999], alpha: [0, 0.9999] };
const RACER_DEFAULTS = { momentum: 0.9, beta1: 0.9, beta2: 0.999, alpha: 0.99 };
// A starting learning rate per surface and optimizer (each still editable), and steps.
const GENTLE = { sgd: 0.1, momentum: 0.1, nesterov: 0.1, adagrad: 1.0, rmsprop: 0.03, adam: 0.3, adamw: 0.3 };
const SURFACE_LR = {
  ravine: GENTLE, quadratic: GENTLE,
  rosenbrock: { sgd: 0.001, momentum: 0.002, nesterov: 0.001, adagrad: 0.5, rmsprop: 0.01, adam: 0.1, adamw: 0.1 },
  beale: { sgd: 0.01, momentum: 0.002, nesterov: 0.002, adagrad: 1.0, rmsprop: 0.03, adam: 0.3, adamw: 0.3 },
  saddle: { sgd: 0.1, momentum: 0.01, nesterov: 0.05, adagrad: 0.5, rmsprop: 0.03, adam: 0.1, adamw: 0.1 },
};
const SURFACE_STEPS = { ravine: 500, quadratic: 500, rosenbrock: 1000, beale: 1000, saddle: 500 };
const DEFAULT_RACERS = [
  { optimizer: "sgd", lr: 0.1, momentum: 0.9 },
  { optimizer: "momentum", lr: 0.1, momentum: 0.9 },
  { optimizer: "nesterov", lr: 0.1, momentum: 0.9 },
  { optimizer: "adam", lr: 0.3, momentum: 0.9 },
];
const Race = {
  racers: DEFAULT_RACERS.map((r) => ({ ...RACER_DEFAULTS, ...r })),
  last: null,
  frame: 0,
  timer: null,
};

function renderRacers() {
  const box = document.getElementById("racers");
  box.textContent = "";
  Race.racers.forEach((r, k) => {
    const row = document.createElement("div");
    row.className = "racer";
    row.style.borderLeftColor = LINE_COLORS[k % LINE_COLORS.length];
    const sel = document.createElement("select");
    sel.id = `racer-${k}-optimizer`;
    sel.setAttribute("aria-label", `${t("optimizer")} ${k + 1}`);
    for (const name of RACE_OPTIMIZERS) {
      const o = document.createElement("option");
      o.value = name; o.dataset.i18n = OPT_LABEL[name]; o.textContent = t(OPT_LABEL[name]);
      sel.appendChild(o);
    }
    sel.value = r.optimizer;
    sel.onchange = () => {
      r.optimizer = sel.value;
      r.lr = SURFACE_LR[document.getElementById("race-surface").value][r.optimizer];
      for (const key of RACER_KEYS[r.optimizer]) if (r[key] === undefined) r[key] = RACER_DEFAULTS[key];
      renderRacers();
    };
    row.appendChild(sel);
    for (const key of ["lr", ...RACER_KEYS[r.optimizer]]) {
      const lab = document.createElement("label");
      const span = document.createElement("span");
      span.dataset.i18n = key; span.textContent = t(key);
      const inp = document.createElement("input");
      const [lo, hi] = RACER_RANGES[key];
      inp.type = "number"; inp.step = "any"; inp.min = String(lo); inp.max = String(hi);
      inp.value = r[key]; inp.id = `racer-${k}-${key}`;
      inp.onchange = () => { r[key] = parseFloat(inp.value); };
      lab.append(span, inp); row.appendChild(lab);
    }
    const del = document.createElement("button");
    del.dataset.i18n = "remove"; del.textContent = t("remove");
    del.onclick = () => { if (Race.racers.length > 1) { Race.racers.splice(k, 1); renderRacers(); } };
    row.appendChild(del);
    box.appendChild(row);
  });
}

function raceRequest() {
  const racers = Race.racers.map((r) => {
    const out = { optimizer: r.optimizer, lr: r.lr };
    for (const key of RACER_KEYS[r.optimizer]) out[key] = r[key] ?? RACER_DEFAULTS[key];
    return out;
  });
  return {
    type: "race",
    surface: document.getElementById("race-surface").value,
    start: [parseFloat(document.getElementById("race-x").value),
            parseFloat(document.getElementById("race-y").value)],
    eigenvalues: [parseFloat(document.getElementById("race-eig1").value),
                  parseFloat(document.getElementById("race-eig2").value)],
    steps: parseInt(document.getElementById("race-steps").value, 10),
    racers,
  };
}

function runRace() { send(raceRequest()); }

function raceToCanvas(msg, canvas, p) {
  const [x0, x1, y0, y1] = msg.box;
  return [((p[0] - x0) / (x1 - x0)) * canvas.width, ((y1 - p[1]) / (y1 - y0)) * canvas.height];
}

function paintRace() {
  const msg = Race.last;
  if (!msg) return;
  const canvas = document.getElementById("race-canvas");
  drawContours(canvas, decodeBytes(msg.contours), msg.res);
  const ctx = canvas.getContext("2d");
  for (const m of msg.minima) {
    const [x, y] = raceToCanvas(msg, canvas, m);
    ctx.fillStyle = "#000"; ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.fill();
  }
  msg.results.forEach((res, k) => {
    const n = Math.min(res.path.length, Race.frame + 1);
    ctx.strokeStyle = LINE_COLORS[k % LINE_COLORS.length]; ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const [x, y] = raceToCanvas(msg, canvas, res.path[i]);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.stroke();
    const [hx, hy] = raceToCanvas(msg, canvas, res.path[n - 1]);
    ctx.fillStyle = ctx.strokeStyle; ctx.beginPath(); ctx.arc(hx, hy, 4, 0, 2 * Math.PI); ctx.fill();
  });
  const [sx, sy] = raceToCanvas(msg, canvas, msg.start);
  ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.strokeRect(sx - 5, sy - 5, 10, 10);
}

function renderRaceResults() {
  const msg = Race.last;
  const list = document.getElementById("race-results");
  list.textContent = "";
  if (!msg) return;
  msg.results.forEach((res, k) => {
    const li = document.createElement("li");
    const steps = res.path.length - 1;
    li.dataset.optimizer = msg.racers[k].optimizer;
    li.dataset.reached = res.reached === null ? "" : String(res.reached);
    li.dataset.diverged = String(res.diverged);
    li.style.color = LINE_COLORS[k % LINE_COLORS.length];
    const r = msg.racers[k];
    const what = res.reached !== null ? t("reached") : res.diverged ? t("diverged_short") : t("not_reached");
    const extra = RACER_KEYS[r.optimizer].map((key) => `, ${t(key)}=${r[key]}`).join("");
    li.textContent = `${t(OPT_LABEL[r.optimizer])} (α=${r.lr}${extra}): ${what} ${steps} ${t("steps")}`;
    list.appendChild(li);
  });
  const note = document.getElementById("stable-lr");
  note.textContent = msg.stable_lr ? `${t("stable_lr")} ${msg.stable_lr.toPrecision(3)}` : "";
}

function onRace(msg) {
  msg.racers = raceRequest().racers;
  Race.last = msg;
  Race.frame = 0;
  renderRaceResults();
  clearInterval(Race.timer);
  const longest = Math.max(...msg.results.map((r) => r.path.length));
  const per = Math.max(1, Math.ceil(longest / 120));
  Race.timer = setInterval(() => {
    Race.frame += per;
    paintRace();
    if (Race.frame >= longest) clearInterval(Race.timer);
  }, 25);
  paintRace();
}

function setupRace() {
  renderRacers();
  document.getElementById("add-racer").onclick = () => {
    if (Race.racers.length < 6) { Race.racers.push({ ...RACER_DEFAULTS, optimizer: "rmsprop", lr: SURFACE_LR[document.getElementById("race-surface").value].rmsprop }); renderRacers(); }
  };
  document.getElementById("run-race").onclick = runRace;
  const surface = document.getElementById("race-surface");
  const quad = () => { for (const el of document.querySelectorAll(".quad")) el.hidden = surface.value !== "quadratic"; };
  surface.onchange = () => {
    const starts = { ravine: [-8, 2], rosenbrock: [-1.5, 2], saddle: [1.8, 0.01], beale: [1, 1.5], quadratic: [-8, 6] };
    [document.getElementById("race-x").value, document.getElementById("race-y").value] = starts[surface.value];
    for (const r of Race.racers) r.lr = SURFACE_LR[surface.value][r.optimizer];
    document.getElementById("race-steps").value = SURFACE_STEPS[surface.value];
    renderRacers(); quad(); runRace();
  };
  quad();
  const canvas = document.getElementById("race-canvas");
  canvas.addEventListener("click", (ev) => {
    if (!Race.last) return;
    const rect = canvas.getBoundingClientRect();
    const [x0, x1, y0, y1] = Race.last.box;
    const px = (ev.clientX - rect.left) / rect.width, py = (ev.clientY - rect.top) / rect.height;
    document.getElementById("race-x").value = (x0 + px * (x1 - x0)).toFixed(3);
    document.getElementById("race-y").value = (y1 - py * (y1 - y0)).toFixed(3);
    runRace();
  });
  canvas.addEventListener("keydown", (ev) => { if (ev.key === "Enter") runRace(); });
}
