// The label canvas: a Uint8Array of class ids at the model's resolution, drawn pixel by pixel.
// Nothing here uses the canvas's own path drawing (arc, lineTo, fill): those antialias edges and
// would invent colours that are no class. Every tool writes ids; render() maps ids to colours.

export const MAX_HISTORY = 100;

export class LabelCanvas {
  constructor(canvas, overlay, width, height, palette) {
    this.canvas = canvas;
    this.overlay = overlay;
    this.width = width;
    this.height = height;
    canvas.width = overlay.width = width;
    canvas.height = overlay.height = height;
    this.ctx = canvas.getContext("2d");
    this.overlayCtx = overlay.getContext("2d");
    this.ids = new Uint8Array(width * height);
    this.image = this.ctx.createImageData(width, height);
    this.lut = new Uint32Array(256); // id -> RGBA packed in the platform's byte order
    const bytes = new Uint8Array(this.lut.buffer);
    palette.forEach((rgb, id) => bytes.set([rgb[0], rgb[1], rgb[2], 255], id * 4));
    this.undoStack = [];
    this.redoStack = [];
    this.footprints = new Map();
  }

  // ---- history: one snapshot per operation (a stroke, a line, a fill, a load, a clear) ----
  begin() {
    this.undoStack.push(this.ids.slice());
    if (this.undoStack.length > MAX_HISTORY) this.undoStack.shift();
    this.redoStack.length = 0;
  }

  /** Ends an operation; one that changed nothing leaves no undo step. Returns whether it changed. */
  end() {
    const before = this.undoStack[this.undoStack.length - 1];
    if (before && sameBytes(before, this.ids)) {
      this.undoStack.pop();
      return false;
    }
    return true;
  }

  undo() { return this.swap(this.undoStack, this.redoStack); }
  redo() { return this.swap(this.redoStack, this.undoStack); }

  swap(from, to) {
    if (!from.length) return false;
    to.push(this.ids.slice());
    this.ids.set(from.pop());
    this.render();
    return true;
  }

  // ---- drawing ----
  /** Offsets of a disc of diameter `size` (pixel centres inside the circle), cached per size. */
  footprint(size) {
    if (!this.footprints.has(size)) {
      const r = size / 2, offsets = [], lo = -Math.floor(size / 2);
      for (let dy = 0; dy < size; dy++)
        for (let dx = 0; dx < size; dx++) {
          const cx = dx + 0.5 - r, cy = dy + 0.5 - r;
          if (cx * cx + cy * cy <= r * r + 1e-9) offsets.push([lo + dx, lo + dy]);
        }
      this.footprints.set(size, offsets);
    }
    return this.footprints.get(size);
  }

  stamp(x, y, size, id) {
    for (const [dx, dy] of this.footprint(size)) {
      const px = x + dx, py = y + dy;
      if (px >= 0 && py >= 0 && px < this.width && py < this.height) this.ids[py * this.width + px] = id;
    }
  }

  /** Stamps along the Bresenham line from (x0, y0) to (x1, y1), both ends included. */
  line(x0, y0, x1, y1, size, id) {
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      this.stamp(x0, y0, size, id);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }

  /** 4-connected flood fill of the region of (x, y)'s class, scanline by scanline. */
  fill(x, y, id) {
    const { width: w, height: h, ids } = this;
    const target = ids[y * w + x];
    if (target === id) return;
    const stack = [[x, y]];
    while (stack.length) {
      const [sx, sy] = stack.pop();
      let left = sx;
      while (left > 0 && ids[sy * w + left - 1] === target) left--;
      let right = sx;
      while (right < w - 1 && ids[sy * w + right + 1] === target) right++;
      for (let px = left; px <= right; px++) ids[sy * w + px] = id;
      for (const ny of [sy - 1, sy + 1]) {
        if (ny < 0 || ny >= h) continue;
        let open = false; // push one seed per run of target pixels
        for (let px = left; px <= right; px++) {
          const hit = ids[ny * w + px] === target;
          if (hit && !open) stack.push([px, ny]);
          open = hit;
        }
      }
    }
  }

  clear(id) { this.ids.fill(id); }
  pick(x, y) { return this.ids[y * this.width + x]; }
  inside(x, y) { return x >= 0 && y >= 0 && x < this.width && y < this.height; }

  render() {
    const pixels = new Uint32Array(this.image.data.buffer);
    for (let i = 0; i < this.ids.length; i++) pixels[i] = this.lut[this.ids[i]];
    this.ctx.putImageData(this.image, 0, 0);
  }

  /** Brush outline under the cursor on the overlay (pixel-exact too); null hides it. */
  showCursor(x, y, size) {
    const ctx = this.overlayCtx;
    ctx.clearRect(0, 0, this.width, this.height);
    if (x === null) return;
    ctx.fillStyle = "rgba(255, 255, 255, 0.45)";
    for (const [dx, dy] of this.footprint(size)) ctx.fillRect(x + dx, y + dy, 1, 1);
  }

  /** Canvas pixel under a pointer event (may be outside the canvas while a stroke is captured). */
  pixelAt(event) {
    const rect = this.canvas.getBoundingClientRect();
    return [
      Math.floor(((event.clientX - rect.left) / rect.width) * this.width),
      Math.floor(((event.clientY - rect.top) / rect.height) * this.height),
    ];
  }
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
