// The painter page: palette, tools, keyboard, and live generation against the HTTP API.
import { LabelCanvas } from "./painter.js";
import { grayPng } from "./png.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 60;        // a pause this long in a stroke asks for a picture
const STALE_ABORT_MS = 4000;   // a request older than this is aborted once a newer state waits

const state = {
  model: null, painter: null,
  tool: "brush", previousTool: "brush", size: 8, classId: 0,
  styleBlob: null, stylePreset: "",
  seq: 0, shownSeq: 0, doneSeq: 0, inFlight: null, dirty: false, timer: null, retryTimer: null,
  resultBlob: null, resultUrl: null, renders: 0,
};

// ---------------------------------------------------------------- start-up
async function main() {
  const response = await fetch("/api/model");
  if (!response.ok) return status(`cannot read the model: HTTP ${response.status}`, true);
  const model = (state.model = await response.json());
  document.title = `GauGAN painter: ${model.name}`;
  $("model-name").textContent = `${model.name} · ${model.width}×${model.height} · ${model.classes.length} classes`;
  const palette = [];
  for (const c of model.classes) palette[c.id] = c.color;
  const painter = (state.painter = new LabelCanvas($("labels"), $("cursor"), model.width, model.height, palette));
  fitViews();
  painter.clear(model.background_class);
  painter.render();
  buildPalette();
  selectClass(model.default_class);
  setupStyle();
  setupPointer();
  setupControls();
  document.addEventListener("keydown", onKey);
  window.addEventListener("resize", fitViews);
  setTool("brush");
  setSize(state.size);
  requestRender(0);
}

/** Integer zoom so that pixels stay square and sharp. */
function fitViews() {
  const { width, height } = state.model;
  const room = Math.max(200, Math.min(560, (window.innerWidth - 560) / 2, window.innerHeight - 200));
  const zoom = Math.max(1, Math.floor(room / Math.max(width, height)));
  for (const el of document.querySelectorAll(".view-box")) {
    el.style.width = `${width * zoom}px`;
    el.style.height = `${height * zoom}px`;
  }
}

// ---------------------------------------------------------------- palette
function buildPalette() {
  const { classes, featured } = state.model;
  const byId = new Map(classes.map((c) => [c.id, c]));
  const featuredList = $("featured-list"), allList = $("class-list");
  const featuredSet = new Set(featured);
  featured.forEach((id, i) => featuredList.append(swatch(byId.get(id), i < 9 ? String(i + 1) : "")));
  for (const c of classes) if (!featuredSet.has(c.id) || !featured.length) allList.append(swatch(c, ""));
  $("featured-group").hidden = !featured.length;
  $("all-title").textContent = featured.length ? "All classes" : "Classes";
  $("class-search").addEventListener("input", filterPalette);
}

function swatch(c, key) {
  const button = document.createElement("button");
  button.className = "swatch";
  button.dataset.id = c.id;
  button.dataset.name = c.name.toLowerCase();
  button.title = `${c.name} (id ${c.id})`;
  const chip = document.createElement("span");
  chip.className = "chip";
  chip.style.background = `rgb(${c.color.join(",")})`;
  const label = document.createElement("span");
  label.textContent = c.name;
  button.append(chip, label);
  if (key) {
    const kbd = document.createElement("kbd");
    kbd.textContent = key;
    button.append(kbd);
  }
  button.addEventListener("click", () => selectClass(c.id));
  return button;
}

function filterPalette() {
  const query = $("class-search").value.trim().toLowerCase();
  for (const button of document.querySelectorAll(".swatch"))
    button.hidden = Boolean(query) && !button.dataset.name.includes(query) && button.dataset.id !== query;
}

function selectClass(id) {
  const c = state.model.classes.find((x) => x.id === id);
  if (!c) return;
  state.classId = id;
  $("current-chip").style.background = `rgb(${c.color.join(",")})`;
  $("current-name").textContent = c.name;
  for (const button of document.querySelectorAll(".swatch")) button.classList.toggle("active", Number(button.dataset.id) === id);
}

// ---------------------------------------------------------------- tools and pointer
function setTool(tool) {
  if (tool !== "picker") state.previousTool = tool;
  state.tool = tool;
  for (const button of document.querySelectorAll("[data-tool]")) button.classList.toggle("active", button.dataset.tool === tool);
  $("labels-box").dataset.tool = tool;
}

function setSize(size) {
  state.size = Math.max(1, Math.min(64, Math.round(size)));
  $("brush-size").value = state.size;
  $("brush-size-value").textContent = `${state.size}px`;
}

function setupPointer() {
  const painter = state.painter, canvas = $("labels");
  let drag = null; // {x, y, base} while a stroke or line is being drawn

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    const [x, y] = painter.pixelAt(event);
    if (!painter.inside(x, y)) return;
    if (state.tool === "picker") {
      selectClass(painter.pick(x, y));
      setTool(state.previousTool);
      return;
    }
    painter.begin();
    if (state.tool === "fill") {
      painter.fill(x, y, state.classId);
      finishOperation();
      return;
    }
    canvas.setPointerCapture(event.pointerId);
    drag = { x, y, base: state.tool === "line" ? painter.ids.slice() : null };
    painter.stamp(x, y, state.size, state.classId);
    painter.render();
    requestRender();
  });

  canvas.addEventListener("pointermove", (event) => {
    const [x, y] = painter.pixelAt(event);
    painter.showCursor(state.tool === "brush" || state.tool === "line" ? x : null, y, state.size);
    if (!drag) return;
    if (drag.base) {  // line: redraw from the state before the line, so the preview follows the pointer
      painter.ids.set(drag.base);
      painter.line(drag.x, drag.y, x, y, state.size, state.classId);
    } else {
      painter.line(drag.x, drag.y, x, y, state.size, state.classId);
      drag.x = x; drag.y = y;
    }
    painter.render();
    requestRender();
  });

  const stop = () => {
    if (!drag) return;
    drag = null;
    finishOperation();
  };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", () => painter.showCursor(null, 0, 0));
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());
}

function finishOperation() {
  state.painter.end();
  state.painter.render();
  updateHistoryButtons();
  requestRender();
}

function undo() { if (state.painter.undo()) { updateHistoryButtons(); requestRender(); } }
function redo() { if (state.painter.redo()) { updateHistoryButtons(); requestRender(); } }

function updateHistoryButtons() {
  $("undo").disabled = !state.painter.undoStack.length;
  $("redo").disabled = !state.painter.redoStack.length;
}

function clearCanvas() {
  state.painter.begin();
  state.painter.clear(state.model.background_class);
  finishOperation();
}

// ---------------------------------------------------------------- controls
function setupControls() {
  for (const button of document.querySelectorAll("[data-tool]")) button.addEventListener("click", () => setTool(button.dataset.tool));
  $("brush-size").addEventListener("input", (e) => setSize(Number(e.target.value)));
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("clear").addEventListener("click", clearCanvas);
  $("seed").max = state.model.seed_max;
  $("seed").addEventListener("change", () => requestRender(0));
  $("dice").addEventListener("click", rollDice);
  $("generate").addEventListener("click", () => requestRender(0, true));
  $("live").addEventListener("change", () => $("live").checked && requestRender(0));
  $("upload-labels").addEventListener("change", uploadLabels);
  $("download-labels").addEventListener("click", downloadLabels);
  $("download-result").addEventListener("click", downloadResult);
  $("side-by-side").addEventListener("change", (e) => $("views").classList.toggle("stacked", !e.target.checked));
  updateHistoryButtons();
}

function rollDice() {
  $("seed").value = Math.floor(Math.random() * (state.model.seed_max + 1));
  requestRender(0);
}

function onKey(event) {
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName) && event.target.type !== "checkbox" && event.target.type !== "range";
  if (typing) return;
  const key = event.key.toLowerCase(), mod = event.ctrlKey || event.metaKey;
  let handled = true;
  if (mod && key === "z") event.shiftKey ? redo() : undo();
  else if (mod && key === "y") redo();
  else if (mod) handled = false;
  else if (key === "b") setTool("brush");
  else if (key === "l") setTool("line");
  else if (key === "f") setTool("fill");
  else if (key === "i") setTool("picker");
  else if (key === "[") setSize(state.size - (state.size > 16 ? 4 : 1));
  else if (key === "]") setSize(state.size + (state.size >= 16 ? 4 : 1));
  else if (key === "d") rollDice();
  else if (key === "g") requestRender(0, true);
  else if (/^[1-9]$/.test(key) && state.model.featured[Number(key) - 1] !== undefined) selectClass(state.model.featured[Number(key) - 1]);
  else handled = false;
  if (handled) event.preventDefault();
}

// ---------------------------------------------------------------- style
function setupStyle() {
  const { has_encoder: hasEncoder, style_presets: presets } = state.model;
  $("style-section").hidden = !hasEncoder;
  $("no-style").hidden = hasEncoder;
  if (!hasEncoder) return;
  const select = $("style-preset");
  for (const p of presets) select.append(new Option(p.name, p.name));
  select.addEventListener("change", () => {
    state.stylePreset = select.value;
    if (select.value) clearStyleUpload();
    showStylePreview(select.value ? presets.find((p) => p.name === select.value).thumbnail : null);
    requestRender(0);
  });
  $("style-upload").addEventListener("change", uploadStyle);
  $("style-clear").addEventListener("click", () => {
    clearStyleUpload();
    select.value = state.stylePreset = "";
    showStylePreview(null);
    requestRender(0);
  });
}

/** The reference is scaled to the encoder's 256x256 input here, so each request carries ~20 KB. */
async function uploadStyle(event) {
  const file = event.target.files[0];
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file);
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 256;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, 256, 256);
    state.styleBlob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
    state.stylePreset = $("style-preset").value = "";
    showStylePreview(canvas.toDataURL("image/jpeg", 0.8));
    requestRender(0);
  } catch (err) {
    status(`${file.name} is not an image this browser can read`, true);
  }
}

function clearStyleUpload() {
  state.styleBlob = null;
  $("style-upload").value = "";
}

function showStylePreview(url) {
  $("style-preview").hidden = !url;
  if (url) $("style-preview").src = url;
  $("seed-note").hidden = !url;
}

// ---------------------------------------------------------------- files
async function uploadLabels(event) {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  const form = new FormData();
  form.append("label_map", file);
  const response = await fetch("/api/labelmap", { method: "POST", body: form });
  if (!response.ok) return status(`${file.name}: ${await errorText(response)}`, true);
  const { ids } = await response.json();
  const bytes = Uint8Array.from(atob(ids), (ch) => ch.charCodeAt(0));
  state.painter.begin();
  state.painter.ids.set(bytes);
  finishOperation();
  status(`loaded ${file.name}`);
}

function downloadLabels() {
  $("labels").toBlob((blob) => save(blob, "labelmap.png"), "image/png");
}

function downloadResult() {
  if (state.resultBlob) save(state.resultBlob, `gaugan_seed${$("seed").value || 0}.png`);
}

function save(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---------------------------------------------------------------- live generation
// At most one request is in flight. A change while it runs marks the state dirty; when the
// request ends the newest state is sent at once, so the last stroke is always rendered. A
// response older than the shown picture is dropped; a request stuck behind others is aborted.
function requestRender(delay = DEBOUNCE_MS, force = false) {
  if (!state.painter || (!force && !$("live").checked)) return;
  clearTimeout(state.timer);
  state.timer = setTimeout(kick, delay);
}

function kick() {
  state.timer = null;
  if (state.inFlight) {
    state.dirty = true;
    if (performance.now() - state.inFlight.started > STALE_ABORT_MS) state.inFlight.controller.abort();
    return;
  }
  state.dirty = false;
  send();
}

async function send() {
  const seq = ++state.seq;
  const { painter, model } = state;
  const form = new FormData();
  form.append("label_map", grayPng(painter.ids, model.width, model.height), "labels.png");
  form.append("seed", String(Number($("seed").value) || 0));
  if (state.stylePreset) form.append("style_preset", state.stylePreset);
  else if (state.styleBlob) form.append("style_image", state.styleBlob, "style.jpg");
  const controller = new AbortController();
  state.inFlight = { seq, controller, started: performance.now() };
  document.body.dataset.busy = "1";
  let retryAfter = 0;
  try {
    const response = await fetch("/api/synthesize", { method: "POST", body: form, signal: controller.signal });
    if (response.ok) {
      const blob = await response.blob();
      if (seq > state.shownSeq) await show(blob, seq, response);
    } else if (response.status === 503) {
      retryAfter = Number(response.headers.get("Retry-After")) || 1;
      status(`server busy, retrying in ${retryAfter} s`);
      state.dirty = true;
    } else {
      status(await errorText(response), true);
    }
  } catch (err) {
    if (err.name !== "AbortError") status(`request failed: ${err.message}`, true);
  } finally {
    state.inFlight = null;
    state.doneSeq = seq;
    if (state.dirty) {
      clearTimeout(state.retryTimer);
      state.retryTimer = setTimeout(kick, retryAfter * 1000);
    } else if (!state.timer) {
      delete document.body.dataset.busy;
    }
  }
}

async function show(blob, seq, response) {
  const url = URL.createObjectURL(blob);
  const img = $("result");
  img.src = url;
  try { await img.decode(); } catch (err) { /* shown anyway once loaded */ }
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = url;
  state.resultBlob = blob;
  state.shownSeq = seq;
  state.renders++;
  img.dataset.seq = seq;
  $("download-result").disabled = false;
  $("placeholder").hidden = true;
  const ms = response.headers.get("X-Inference-Ms");
  status(ms ? `picture ${state.renders}: ${Math.round(Number(ms))} ms on the server` : `picture ${state.renders}`);
}

async function errorText(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("; ");
  } catch (err) { /* not JSON */ }
  return `HTTP ${response.status}`;
}

function status(text, error = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", error);
}

// For the browser tests and the curious: the painter and a "nothing left to render" probe.
window.gaugan = {
  state,
  idle: () => !state.inFlight && !state.timer && !state.dirty && state.doneSeq === state.seq,
};

main();
