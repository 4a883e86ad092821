// The network panel and the WebSocket: settings <-> inputs <-> URL, frames -> canvases.
"use strict";
const FEATURE_NAMES = { x1: "X₁", x2: "X₂", x1sq: "X₁²", x2sq: "X₂²", x1x2: "X₁X₂", sinx1: "sin(X₁)", sinx2: "sin(X₂)" };
const LIST_KEYS = ["hidden", "features"];
const S = { ws: null, config: null, playing: false, points: null, classify: true,
            history: { train: [], test: [], lr: [], grads: [] }, lrPreview: null, last: null };

function send(obj) {
  if (S.ws && S.ws.readyState === WebSocket.OPEN) S.ws.send(JSON.stringify(obj));
}

function showError(text) {
  const box = document.getElementById("error");
  box.hidden = false;
  box.textContent = `${t("error")}: ${text}`;
  box.dataset.count = String(parseInt(box.dataset.count || "0", 10) + 1);
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 8000);
}

// ---- settings <-> URL ------------------------------------------------------------------
function configFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const out = {};
  for (const [key, raw] of params) {
    if (LIST_KEYS.includes(key)) {
      const items = raw === "" ? [] : raw.split(",");
      out[key] = key === "hidden" ? items.map(Number) : items;
    } else if (raw === "true" || raw === "false") out[key] = raw === "true";
    else if (raw !== "" && !isNaN(Number(raw))) out[key] = Number(raw);
    else out[key] = raw;
  }
  return out;
}

function writeHash(config) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(config)) params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  history.replaceState(null, "", `#${params.toString()}`);
}

// ---- settings <-> inputs ---------------------------------------------------------------
function fillInputs(config) {
  for (const [key, value] of Object.entries(config)) {
    const el = document.getElementById(`cfg-${key}`);
    if (!el) continue;
    if (el.type === "checkbox") el.checked = value; else el.value = value;
    const out = document.getElementById(`out-${key}`);
    if (out) out.textContent = value;
  }
  document.getElementById("layers").value = config.hidden.length;
  renderUnits(config.hidden);
  for (const name of Object.keys(FEATURE_NAMES)) document.getElementById(`feat-${name}`).checked = config.features.includes(name);
  const batch = document.getElementById("cfg-batch");
  batch.max = String(Math.max(1, Math.round(config.n * config.train_ratio)));
  showRelevant(config);
}

function renderUnits(hidden) {
  const box = document.getElementById("units");
  box.textContent = "";
  hidden.forEach((h, i) => {
    const lab = document.createElement("label");
    lab.className = "unit";
    const span = document.createElement("span");
    span.dataset.i18n = "units"; span.textContent = t("units");
    const inp = document.createElement("input");
    inp.type = "number"; inp.min = "1"; inp.max = "16"; inp.step = "1"; inp.value = h; inp.id = `unit-${i}`;
    inp.addEventListener("change", onChange);
    lab.append(span, ` ${i + 1} `, inp);
    box.appendChild(lab);
  });
}

function readInputs() {
  const config = {};
  for (const key of Object.keys(S.config)) {
    const el = document.getElementById(`cfg-${key}`);
    if (!el) continue;
    if (el.type === "checkbox") config[key] = el.checked;
    else if (el.tagName === "SELECT") config[key] = el.value;
    else config[key] = Number(el.value);
  }
  const layers = Math.max(0, Math.min(6, parseInt(document.getElementById("layers").value, 10) || 0));
  const hidden = [];
  for (let i = 0; i < layers; i++) {
    const el = document.getElementById(`unit-${i}`);
    hidden.push(el ? Number(el.value) : 4);
  }
  config.hidden = hidden;
  config.features = Object.keys(FEATURE_NAMES).filter((n) => document.getElementById(`feat-${n}`).checked);
  return config;
}

function showRelevant(config) {
  const rules = [["opt-", config.optimizer], ["sch-", config.schedule], ["clip-", config.clip]];
  for (const el of document.querySelectorAll("label[class]")) {
    for (const [prefix, value] of rules) {
      const classes = [...el.classList].filter((c) => c.startsWith(prefix));
      if (classes.length) el.hidden = !classes.includes(prefix + value);
    }
  }
}

function onChange() {
  const config = readInputs();
  for (const key of ["noise", "train_ratio", "batch", "dropout"]) document.getElementById(`out-${key}`).textContent = config[key];
  showRelevant(config);
  writeHash(config);
  send({ type: "config", config });
}

// ---- messages from the server ------------------------------------------------------------
function onReset(msg) {
  S.config = msg.config;
  S.points = msg.points;
  S.classify = msg.classify;
  S.lrPreview = msg.lr_preview;
  S.history = { train: [], test: [], lr: [], grads: [] };
  S.findings = [];
  renderFindings();
  fillInputs(msg.config);
  writeHash(msg.config);
  document.body.dataset.config = JSON.stringify(msg.config);
  document.getElementById("script").hidden = true;
}

function setLoss(id, value) {
  const el = document.getElementById(id);
  el.dataset.value = value === null ? "" : String(value);
  el.textContent = value === null ? "NaN" : value.toFixed(3);
}

function onFrame(msg) {
  S.last = msg;
  document.getElementById("epoch").textContent = msg.epoch;
  document.getElementById("steps").textContent = msg.steps;
  setLoss("test-loss", msg.test_loss);
  setLoss("train-loss", msg.train_loss);
  if (msg.epoch === 0) S.history = { train: [], test: [], lr: [], grads: [] };
  S.history.train[msg.epoch] = msg.train_loss;
  S.history.test[msg.epoch] = msg.test_loss;
  if (msg.epoch > 0) S.history.lr[msg.epoch - 1] = msg.lr_history[0];
  S.history.grads[msg.epoch] = msg.grad_norms;
  const grads = document.getElementById("grad-norms");
  grads.dataset.values = JSON.stringify(msg.grad_norms);
  grads.textContent = msg.grad_norms.map((g, i) => `${t("layer")} ${i + 1}: ${g === null ? "NaN" : g.toExponential(2)}`).join("  ");
  const sat = document.getElementById("saturation");
  sat.dataset.values = JSON.stringify(msg.saturation);
  sat.textContent = msg.saturation.map((s, i) => `${i + 1}: ${s === null || s === undefined ? "–" : (100 * s).toFixed(0) + "%"}`).join("  ");
  const label = document.getElementById("score-label");
  label.dataset.i18n = S.classify ? "accuracy" : "r2"; label.textContent = t(label.dataset.i18n);
  document.getElementById("scores").textContent = msg.scores.map((v) => (v === null ? "NaN" : v.toFixed(3))).join(" / ");
  if (msg.findings) { S.findings = msg.findings; renderFindings(); }
  if (msg.diverged) showError(t("diverged"));
  paintAll();
}

const FINDING_KEYS = { saturation: "saturation_kind" };

function renderFindings() {
  const list = document.getElementById("findings");
  list.textContent = "";
  const found = S.findings || [];
  list.dataset.kinds = found.map((f) => f.kind).join(",");
  if (!found.length) {
    const li = document.createElement("li");
    li.dataset.i18n = "findings_none"; li.textContent = t("findings_none");
    list.appendChild(li);
    return;
  }
  for (const f of found) {
    const li = document.createElement("li");
    li.className = f.severity;
    const title = document.createElement("b");
    title.dataset.i18n = FINDING_KEYS[f.kind] || f.kind; title.textContent = t(title.dataset.i18n);
    const msg = document.createElement("div");
    msg.lang = "en";  // measured numbers in netopt.diagnose's words (see i18n.js)
    msg.textContent = f.message;
    const rem = document.createElement("div");
    rem.className = "remedies";
    const head = document.createElement("span");
    head.dataset.i18n = "remedies"; head.textContent = t("remedies");
    const shown = f.remedies.slice(0, 3).map((r, i) => remedy(f.kind, i, r));
    rem.append(head, `: ${shown.join(LANG === "zh" ? ";" : "; ")}`);
    li.append(title, msg, rem);
    list.appendChild(li);
  }
}

function paintAll() {
  const msg = S.last;
  if (!msg || !S.config) return;
  drawBoundary(document.getElementById("boundary"), decodeBytes(msg.grid), msg.res, S.points,
               document.getElementById("show-test").checked, S.classify);
  drawLines(document.getElementById("loss-chart"), [
    { values: S.history.train, color: "#888", dash: [4, 3] },
    { values: S.history.test, color: "#111" },
  ], { zero: true });
  const lrSeries = [{ values: S.history.lr, color: "#d62728", width: 2 }];
  if (S.lrPreview) lrSeries.unshift({ values: S.lrPreview.slice(0, Math.max(S.lrPreview.length, S.history.lr.length)), color: "#bbb" });
  drawLines(document.getElementById("lr-chart"), lrSeries, { zero: true });
  const layers = msg.grad_norms.length;
  const gradSeries = [];
  for (let l = 0; l < layers; l++) gradSeries.push({ values: S.history.grads.map((g) => (g ? g[l] : null)), color: LINE_COLORS[l % LINE_COLORS.length] });
  drawLines(document.getElementById("grad-chart"), gradSeries, { log: true });
  drawNetwork(document.getElementById("net"), [S.config.features.length, ...S.config.hidden, 1], msg.weights,
              msg.units.map(decodeBytes), msg.unit_res);
}

function onScript(msg) {
  const area = document.getElementById("script");
  area.value = msg.code;
  area.dataset.epochs = String(msg.epochs);
  area.hidden = false;
  if (navigator.clipboard) navigator.clipboard.writeText(msg.code).then(() => showNote(t("copied")), () => {});
}

function showNote(text) {
  const box = document.getElementById("error");
  box.hidden = false; box.textContent = text;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

function setPlaying(on) {
  S.playing = on;
  const b = document.getElementById("play");
  b.dataset.i18n = on ? "pause" : "play";
  b.textContent = t(b.dataset.i18n);
  b.setAttribute("aria-pressed", String(on));
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  S.ws = ws;
  ws.onopen = () => {
    document.body.dataset.connected = "true";
    send({ type: "config", config: configFromHash() });
  };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "reset") onReset(msg);
    else if (msg.type === "frame") onFrame(msg);
    else if (msg.type === "error") showError(msg.message);
    else if (msg.type === "paused") setPlaying(false);
    else if (msg.type === "script") onScript(msg);
    else if (msg.type === "race") onRace(msg);
  };
  ws.onclose = () => { document.body.dataset.connected = "false"; showError("connection closed; reload the page"); };
}

// ---- wiring ----------------------------------------------------------------------------
function setup() {
  const feats = document.getElementById("features");
  for (const [name, label] of Object.entries(FEATURE_NAMES)) {
    const lab = document.createElement("label");
    lab.className = "inline";
    const box = document.createElement("input");
    box.type = "checkbox"; box.id = `feat-${name}`; box.addEventListener("change", onChange);
    lab.append(box, ` ${label}`);
    feats.appendChild(lab);
  }
  for (const el of document.querySelectorAll("[id^='cfg-']")) el.addEventListener("change", onChange);
  for (const key of ["noise", "train_ratio", "batch", "dropout"]) {
    const el = document.getElementById(`cfg-${key}`);
    el.addEventListener("input", () => { document.getElementById(`out-${key}`).textContent = el.value; });
  }
  document.getElementById("layers").addEventListener("change", () => {
    const n = Math.max(0, Math.min(6, parseInt(document.getElementById("layers").value, 10) || 0));
    const hidden = readInputs().hidden;
    while (hidden.length < n) hidden.push(4);
    renderUnits(hidden.slice(0, n));
    onChange();
  });
  document.getElementById("play").onclick = () => { const on = !S.playing; setPlaying(on); send({ type: on ? "play" : "pause" }); };
  document.getElementById("step").onclick = () => { setPlaying(false); send({ type: "step" }); };
  document.getElementById("reset").onclick = () => send({ type: "reset" });
  document.getElementById("copy").onclick = () => send({ type: "script" });
  document.getElementById("show-test").onchange = paintAll;
  document.getElementById("lang").onclick = () => { applyLanguage(LANG === "en" ? "zh" : "en"); paintAll(); renderFindings(); if (Race.last) renderRaceResults(); };
  const tabs = { network: document.getElementById("tab-network"), race: document.getElementById("tab-race") };
  for (const [name, tab] of Object.entries(tabs)) {
    tab.onclick = () => {
      for (const [other, el] of Object.entries(tabs)) {
        el.setAttribute("aria-selected", String(other === name));
        document.getElementById(`panel-${other}`).hidden = other !== name;
      }
      if (name === "race" && !Race.last) runRace();
    };
  }
  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target.tagName || "").toLowerCase();
    if (ev.key === " " && !["input", "select", "textarea", "button"].includes(tag)) {
      ev.preventDefault(); document.getElementById("play").click();
    }
  });
  setupRace();
  applyLanguage("en");
  connect();
}

setup();
