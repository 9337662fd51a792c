// The painter page: model picker, palette, tools, keyboard, and live generation against the HTTP API.
import { LabelCanvas } from "./painter.js";
import { grayPng } from "./png.js";

const $ = (id) => document.getElementById(id);

// A server started with --token is opened at /#token=T: the fragment never reaches the server or
// its logs. The token moves to this tab's session storage and out of the address bar, and goes
// with every API request.
const TOKEN = (() => {
  const match = location.hash.match(/(?:^#|&)token=([^&]*)/);
  if (match) {
    sessionStorage.setItem("gaugan-token", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("gaugan-token");
})();

function api(url, options = {}) {
  const headers = new Headers(options.headers || {});
  if (TOKEN) headers.set("Authorization", `Bearer ${TOKEN}`);
  return fetch(url, { ...options, headers });
}

const DEBOUNCE_MS = 60;        // a pause this long in a stroke asks for a picture
const STALE_ABORT_MS = 4000;   // a request older than this is aborted once a newer state waits

const state = {
  models: [], model: null, painter: null, loadToken: 0, loadedToken: 0, exampleIndex: -1, examples: new Map(),
  tool: "brush", previousTool: "brush", size: 8, classId: 0,
  styleBlob: null, styleUrl: null, stylePreset: "",
  seq: 0, shownSeq: 0, doneSeq: 0, inFlight: null, dirty: false, timer: null, retryTimer: null,
  resultBlob: null, resultUrl: null, renders: 0,
};

// ---------------------------------------------------------------- start-up
async function main() {
  const response = await api("/api/models");
  if (response.status === 401) {
    return status("this server needs its token: open the address `gaugan serve` printed (it ends in #token=...)", true);
  }
  if (!response.ok) return status(`cannot list the models: HTTP ${response.status}`, true);
  state.models = await response.json();
  setupModelPicker();
  setupStyle();
  setupPointer();
  setupControls();
  document.addEventListener("keydown", onKey);
  window.addEventListener("resize", fitViews);
  setTool("brush");
  setSize(state.size);
  const wanted = new URLSearchParams(location.search).get("model");
  await switchModel(state.models.some((m) => m.name === wanted) ? wanted : state.models[0].name);
}

// ---------------------------------------------------------------- models
function setupModelPicker() {
  const select = $("model-select");
  for (const m of state.models) {
    const option = new Option(`${m.name} (${m.width}×${m.height})`, m.name);
    option.title = m.description;
    select.append(option);
  }
  $("model-picker").hidden = state.models.length < 2;
  select.addEventListener("change", () => switchModel(select.value));
}

/** Opens model `name` on its first example (else the background class). The tool, brush size,
 * seed and an uploaded style stay; the class stays when the new model has one of the same name. */
async function switchModel(name) {
  const token = ++state.loadToken;  // a later choice wins over a slower earlier one
  const response = await api(`/api/model?model=${encodeURIComponent(name)}`);
  const model = response.ok ? await response.json() : null;
  const first = model && model.examples.length ? await exampleIds(model, 0) : null;
  if (token !== state.loadToken) return;
  state.loadedToken = token;  // the newest choice has arrived (or failed): idle() may be true again
  if (!model) {
    $("model-select").value = state.model ? state.model.name : "";
    return status(`cannot read the model ${name}: ${await errorText(response)}`, true);
  }
  const kept = state.model && state.model.classes.find((c) => c.id === state.classId);
  dropPictures();
  state.model = model;
  document.title = `GauGAN painter: ${model.name}`;
  const classes = `${model.classes.length} classes`;  // with several models the picker shows the size
  $("model-name").textContent = state.models.length > 1
    ? `${model.description} · ${classes}` : `${model.name} · ${model.width}×${model.height} · ${classes}`;
  $("model-select").value = model.name;
  $("seed").max = model.seed_max;
  // Variety starts at the model's own truncation (it is a property of the model, so a switch resets it).
  $("variety-row").hidden = model.truncation === null;
  if (model.truncation !== null) {
    $("variety").max = String(Math.min(1.5, model.truncation_max));
    $("variety").value = String(model.truncation);
    showVariety();
  }
  if (state.models.length > 1) history.replaceState(null, "", `?model=${encodeURIComponent(model.name)}`);
  const palette = [];
  for (const c of model.classes) palette[c.id] = c.color;
  // A new canvas, and so a new history: undoing into another model's label space makes no sense.
  const painter = (state.painter = new LabelCanvas($("labels"), $("cursor"), model.width, model.height, palette));
  if (first) painter.ids.set(first);
  else painter.clear(model.background_class);
  state.exampleIndex = first ? 0 : -1;
  painter.render();
  fitViews();
  buildPalette();
  const same = kept && model.classes.find((c) => c.name === kept.name);
  selectClass(same ? same.id : model.default_class);
  showStyleOptions();
  $("ids-encoding-row").hidden = !state.model.label_encoding;  // without a record the two are the same
  $("example").disabled = !model.examples.length;
  updateHistoryButtons();
  requestRender(0);
}

/** Class ids (Uint8Array, row-major, the model's size) of example `index`, fetched once. */
async function exampleIds(model, index) {
  const { url } = model.examples[index];
  if (!state.examples.has(url)) {
    const response = await api(url);
    if (!response.ok) {
      status(`cannot read example ${index + 1}: ${await errorText(response)}`, true);
      return null;
    }
    const body = await response.json();
    state.examples.set(url, Uint8Array.from(atob(body.ids), (ch) => ch.charCodeAt(0)));
  }
  return state.examples.get(url);
}

async function nextExample() {
  const model = state.model, count = model ? model.examples.length : 0;
  if (!count) return;
  const index = (state.exampleIndex + 1) % count;
  const ids = await exampleIds(model, index);
  if (!ids || model !== state.model) return;  // failed, or another model was chosen meanwhile
  state.exampleIndex = index;
  state.painter.begin();
  state.painter.ids.set(ids);
  finishOperation();
  status(`example ${index + 1} of ${count}: ${model.examples[index].name}`);
}

/** Forget the pictures of the previous model: pending ones are dropped when they arrive. */
function dropPictures() {
  clearTimeout(state.timer);
  clearTimeout(state.retryTimer);
  state.timer = null;
  state.dirty = false;
  if (state.inFlight) state.inFlight.controller.abort();
  state.shownSeq = state.seq;
  const img = $("result");
  img.removeAttribute("src");
  delete img.dataset.seq;
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = state.resultBlob = null;
  $("download-result").disabled = true;
  $("placeholder").hidden = false;
}

/** Integer zoom so that pixels stay square and sharp. */
function fitViews() {
  if (!state.model) return;
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
  featuredList.replaceChildren();
  allList.replaceChildren();
  const featuredSet = new Set(featured);
  featured.forEach((id, i) => featuredList.append(swatch(byId.get(id), i < 9 ? String(i + 1) : "")));
  for (const c of classes) if (!featuredSet.has(c.id)) allList.append(swatch(c, ""));
  $("featured-group").hidden = !featured.length;
  $("all-title").textContent = featured.length ? "Other classes" : "Classes";
  filterPalette();
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
  const canvas = $("labels");
  let drag = null; // {x, y, base} while a stroke or line is being drawn

  canvas.addEventListener("pointerdown", (event) => {
    const painter = state.painter;  // read on each event: switching models replaces it
    if (event.button !== 0 || !painter) return;
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
    const painter = state.painter;
    if (!painter) return;
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
  canvas.addEventListener("pointerleave", () => state.painter && state.painter.showCursor(null, 0, 0));
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
  if (!state.painter) return;
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
  $("example").addEventListener("click", nextExample);
  $("class-search").addEventListener("input", filterPalette);
  $("seed").addEventListener("change", () => requestRender(0));
  $("variety").addEventListener("input", showVariety);
  $("variety").addEventListener("change", () => requestRender(0));
  $("dice").addEventListener("click", rollDice);
  $("generate").addEventListener("click", () => requestRender(0, true));
  $("live").addEventListener("change", () => $("live").checked && requestRender(0));
  $("upload-labels").addEventListener("change", uploadLabels);
  $("download-labels").addEventListener("click", downloadLabels);
  $("download-ids").addEventListener("click", downloadIds);
  $("download-result").addEventListener("click", downloadResult);
  $("side-by-side").addEventListener("change", (e) => $("views").classList.toggle("stacked", !e.target.checked));
}

function showVariety() {
  $("variety-value").textContent = Number($("variety").value).toFixed(2);
}

function rollDice() {
  $("seed").value = Math.floor(Math.random() * (Number($("seed").max) + 1));
  requestRender(0);
}

function onKey(event) {
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName) && event.target.type !== "checkbox" && event.target.type !== "range";
  if (typing || !state.model) return;
  const key = event.key.toLowerCase(), mod = event.ctrlKey || event.metaKey;
  let handled = true;
  if (mod && key === "z") event.shiftKey ? redo() : undo();
  else if (mod && key === "y") redo();
  else if (mod) handled = false;
  else if (key === "b") setTool("brush");
  else if (key === "l") setTool("line");
  else if (key === "f") setTool("fill");
  else if (key === "i") setTool("picker");
  else if (key === "e") nextExample();
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
  const select = $("style-preset");
  select.addEventListener("change", () => {
    state.stylePreset = select.value;
    if (select.value) clearStyleUpload();
    showStylePreview(select.value ? state.model.style_presets.find((p) => p.name === select.value).thumbnail : null);
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

/** The model's presets; a preset of the same name and an uploaded reference carry over between models. */
function showStyleOptions() {
  const { has_encoder: hasEncoder, style_presets: presets } = state.model;
  $("style-section").hidden = !hasEncoder;
  $("no-style").hidden = hasEncoder;
  const select = $("style-preset");
  select.length = 1;  // keeps "none (use the seed)"
  for (const p of presets) select.append(new Option(p.name, p.name));
  const preset = hasEncoder ? presets.find((p) => p.name === state.stylePreset) : null;
  state.stylePreset = select.value = preset ? preset.name : "";
  if (!hasEncoder) clearStyleUpload();
  showStylePreview(preset ? preset.thumbnail : state.styleUrl);
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
    state.styleUrl = canvas.toDataURL("image/jpeg", 0.8);
    showStylePreview(state.styleUrl);
    requestRender(0);
  } catch (err) {
    status(`${file.name} is not an image this browser can read`, true);
  }
}

function clearStyleUpload() {
  state.styleBlob = state.styleUrl = null;
  $("style-upload").value = "";
}

function showStylePreview(url) {
  $("style-preview").hidden = !url;
  $("seed-note").hidden = !url;
  if (!url) return;
  if (!TOKEN || !url.startsWith("/api/")) {
    $("style-preview").src = url;
    return;
  }
  // An <img> cannot send the token: fetch the thumbnail with it and show the bytes.
  api(url).then((response) => (response.ok ? response.blob() : null)).then((blob) => {
    if (blob && !$("style-preview").hidden) $("style-preview").src = URL.createObjectURL(blob);
  });
}

// ---------------------------------------------------------------- files
async function uploadLabels(event) {
  const file = event.target.files[0];
  event.target.value = "";
  const model = state.model;
  if (!file || !model) return;
  const form = new FormData();
  form.append("label_map", file);
  form.append("model", model.name);
  const response = await api("/api/labelmap", { method: "POST", body: form });
  if (!response.ok) return status(`${file.name}: ${await errorText(response)}`, true);
  const { ids } = await response.json();
  if (model !== state.model) return;  // another model was chosen meanwhile: its canvas has another size
  const bytes = Uint8Array.from(atob(ids), (ch) => ch.charCodeAt(0));
  state.painter.begin();
  state.painter.ids.set(bytes);
  finishOperation();
  status(`loaded ${file.name}`);
}

function downloadLabels() {
  $("labels").toBlob((blob) => save(blob, "labelmap.png"), "image/png");
}

// One-channel PNG of class ids as the model's training data stores them (its label_encoding:
// e.g. ADE20K keeps 0 for unlabeled and 1..150 for the classes), so that the file reads like
// one of the dataset's own annotations in any tool; or the model's own ids when chosen (or when
// the model records no encoding).
function storedIds(model, ids) {
  const encoding = model.label_encoding;
  if (!encoding || $("ids-encoding").value === "model") return ids;
  const numClasses = model.classes.filter((c) => !c.dontcare).length;
  const out = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    out[i] = ids[i] < numClasses ? encoding.first_value + ids[i] : encoding.dontcare_values[0];
  }
  return out;
}

function downloadIds() {
  const { painter, model } = state;
  if (!painter || !model) return;
  save(grayPng(storedIds(model, painter.ids), model.width, model.height), "labelmap_ids.png");
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
  form.append("label_encoding", "model");  // the canvas holds the model's own ids
  form.append("seed", String(Number($("seed").value) || 0));
  if (model.truncation !== null) form.append("truncation", $("variety").value);
  form.append("model", model.name);
  if (state.stylePreset) form.append("style_preset", state.stylePreset);
  else if (state.styleBlob) form.append("style_image", state.styleBlob, "style.jpg");
  const controller = new AbortController();
  state.inFlight = { seq, controller, started: performance.now() };
  document.body.dataset.busy = "1";
  let retryAfter = 0;
  try {
    const response = await api("/api/synthesize", { method: "POST", body: form, signal: controller.signal });
    if (response.ok) {
      const blob = await response.blob();
      if (seq > state.shownSeq && model === state.model) await show(blob, seq, model, response);
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

async function show(blob, seq, model, response) {
  const url = URL.createObjectURL(blob);
  // Decode in an image of its own, then show it. Awaiting decode() of the shown <img> instead
  // can wait forever: Chromium leaves it pending when the src is removed meanwhile (a model
  // switch drops the picture), and this request would hold the only slot for good.
  const decoded = new Image();
  decoded.src = url;
  try { await decoded.decode(); } catch (err) { /* a broken picture shows as one */ }
  if (seq <= state.shownSeq || model !== state.model) {  // overtaken or switched away while decoding
    URL.revokeObjectURL(url);
    return;
  }
  const img = $("result");
  img.src = url;
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

// For the browser tests and the curious: the painter and a "nothing left to do" probe (no model
// switch loading, no picture asked for, on its way or owed).
window.gaugan = {
  state,
  idle: () => state.loadedToken === state.loadToken
    && !state.inFlight && !state.timer && !state.dirty && state.doneSeq === state.seq,
};

main();
