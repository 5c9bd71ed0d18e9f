// Draws every icon the app ships: `node assets/make-icons.mjs`. No dependencies:
// shapes are signed distance functions (anti-aliased by their distance to the
// edge), painted into an RGBA buffer and written by the tiny PNG encoder below.
//
//   icon.png                 1024×1024 app icon (electron-builder makes the .icns and .ico from it)
//   icons/NxN.png            16…512, the Linux icon set and the window icon
//   tray/tray{State}Template[@2x].png   macOS menu bar: black + alpha; the state is in the shape
//   tray/tray-{state}-{light|dark}[@2x].png   Windows/Linux, for light or dark task bars/panels
//
// The glyph is a terminal prompt, ">_": Claude Code is a terminal tool.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));

// ---- PNG ------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGBA, 8 bits a channel, straight alpha; every row uses filter 0. */
function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- Shapes (unit square, y down; distances in units) ----------------------

const roundedRect = (cx, cy, hw, hh, r) => (x, y) => {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const segment = (ax, ay, bx, by, r) => (x, y) => {
  const px = x - ax;
  const py = y - ay;
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - dx * t, py - dy * t) - r;
};
const union =
  (...shapes) =>
  (x, y) =>
    Math.min(...shapes.map((shape) => shape(x, y)));
const outline = (shape, width) => (x, y) => Math.abs(shape(x, y)) - width / 2;

/** ">_" centred in the box (cx, cy, size), strokes of width w; `underscore` is where the "_" ends. */
function prompt(cx, cy, size, w, underscore = 0.86) {
  const s = size / 2;
  const r = w / 2;
  return union(
    segment(cx - s * 0.78, cy - s * 0.62, cx - s * 0.08, cy, r),
    segment(cx - s * 0.08, cy, cx - s * 0.78, cy + s * 0.62, r),
    segment(cx + s * 0.18, cy + s * 0.62, cx + s * underscore, cy + s * 0.62, r),
  );
}

/** "!" centred at (cx, cy) with height h. */
function bang(cx, cy, h, w) {
  return union(segment(cx, cy - h * 0.5, cx, cy + h * 0.12, w / 2), circle(cx, cy + h * 0.42, w * 0.55));
}

// ---- Painting -------------------------------------------------------------

function hex(color, alpha = 1) {
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, alpha];
}

class Canvas {
  constructor(size) {
    this.size = size;
    // Premultiplied RGBA in 0..1.
    this.px = new Float64Array(size * size * 4);
  }

  /** Paints `shape` with `color` (a [r,g,b,a] or a function of (x, y) giving one). */
  fill(shape, color) {
    this.each(shape, (i, coverage, x, y) => {
      const [r, g, b, a] = typeof color === 'function' ? color(x, y) : color;
      const alpha = a * coverage;
      const keep = 1 - alpha;
      this.px[i] = (r / 255) * alpha + this.px[i] * keep;
      this.px[i + 1] = (g / 255) * alpha + this.px[i + 1] * keep;
      this.px[i + 2] = (b / 255) * alpha + this.px[i + 2] * keep;
      this.px[i + 3] = alpha + this.px[i + 3] * keep;
    });
  }

  /** Cuts `shape` out of what is already painted. */
  erase(shape) {
    this.each(shape, (i, coverage) => {
      for (let k = 0; k < 4; k++) this.px[i + k] *= 1 - coverage;
    });
  }

  each(shape, paint) {
    const { size } = this;
    const pixel = 1 / size;
    for (let py = 0; py < size; py++) {
      for (let px = 0; px < size; px++) {
        const x = (px + 0.5) * pixel;
        const y = (py + 0.5) * pixel;
        // Coverage from the distance to the edge, in pixels: a one-pixel ramp.
        const coverage = Math.max(0, Math.min(1, 0.5 - shape(x, y) / pixel));
        if (coverage > 0) paint((py * size + px) * 4, coverage, x, y);
      }
    }
  }

  png() {
    const out = Buffer.alloc(this.size * this.size * 4);
    for (let i = 0; i < out.length; i += 4) {
      const a = this.px[i + 3];
      for (let k = 0; k < 3; k++) out[i + k] = a > 0 ? Math.round(Math.min(1, this.px[i + k] / a) * 255) : 0;
      out[i + 3] = Math.round(a * 255);
    }
    return encodePng(this.size, this.size, out);
  }
}

// ---- The icons --------------------------------------------------------------

const TERRACOTTA_TOP = '#E08A6D';
const TERRACOTTA_BOTTOM = '#C2603F';
const INK = '#1F1E1D';

function appIcon(size) {
  const canvas = new Canvas(size);
  // macOS-style grid: the body is 824/1024 with a soft shadow under it; small sizes use the whole square.
  const small = size <= 64;
  const half = small ? 0.47 : 0.4023;
  const radius = half * 0.45;
  const body = roundedRect(0.5, 0.5, half, half, radius);
  if (!small)
    canvas.fill(roundedRect(0.5, 0.515, half, half, radius), (x, y) => [
      0,
      0,
      0,
      0.18 * Math.max(0, Math.min(1, 0.5 - body(x, y - 0.015) * 40)),
    ]);
  const top = hex(TERRACOTTA_TOP);
  const bottom = hex(TERRACOTTA_BOTTOM);
  canvas.fill(body, (x, y) => {
    const t = Math.max(0, Math.min(1, (x + y - 2 * (0.5 - half)) / (4 * half)));
    return [0, 1, 2].map((k) => top[k] + (bottom[k] - top[k]) * t).concat(1);
  });
  // A faint inner edge keeps the tile crisp on light backgrounds.
  canvas.fill(outline(body, 1 / size + 0.004), hex('#FFFFFF', 0.12));
  canvas.fill(prompt(0.5, 0.5, half * 1.05, small ? 0.11 : 0.075), hex('#FFFFFF'));
  return canvas.png();
}

// Every tray icon has a status badge in the bottom-right corner, cut out of the tile so a gap
// separates it on any bar: a dot (running), a ring (stopped), a dot with "!" (error). Its centre is
// 12.5/16 = 25/32, a pixel centre at 16 px and a pixel edge at 32 px, and the "!" is laid out on
// sixteenths, so its 1 px (16) and 2 px (32) strokes land on whole pixels instead of blurring.
const BADGE = { cx: 12.5 / 16, cy: 12.5 / 16, r: 3 / 16, gap: 0.055 };
const sixteenths = (left, top, right, bottom) =>
  roundedRect((left + right) / 32, (top + bottom) / 32, (right - left) / 32, (bottom - top) / 32, 0);
const badgeBang = union(sixteenths(12, 10, 13, 13), sixteenths(12, 14, 13, 15));
const badgeRing = outline(circle(BADGE.cx, BADGE.cy, BADGE.r - 0.75 / 16), 1.5 / 16);
/** The prompt sits up and left, clear of the badge, and in the same place in every state. */
const trayGlyph = (px) => prompt(0.38, 0.39, 0.52, Math.max(0.12, 2 * px), 0.56);

/** macOS template: a filled tile with the prompt cut out (running, error), a dim outline (stopped), and the badge. */
function trayTemplate(state, size) {
  const canvas = new Canvas(size);
  const px = 1 / size;
  const ink = hex('#000000', state === 'stopped' ? 0.55 : 1);
  if (state === 'stopped') {
    canvas.fill(outline(roundedRect(0.5, 0.5, 0.44 - px * 0.75, 0.44 - px * 0.75, 0.13), 1.5 * px), ink);
    canvas.fill(trayGlyph(px), ink);
  } else {
    canvas.fill(roundedRect(0.5, 0.5, 0.44, 0.44, 0.14), ink);
    canvas.erase(trayGlyph(px));
  }
  canvas.erase(circle(BADGE.cx, BADGE.cy, BADGE.r + BADGE.gap));
  if (state === 'stopped') {
    canvas.fill(badgeRing, ink);
    return canvas.png();
  }
  canvas.fill(circle(BADGE.cx, BADGE.cy, BADGE.r), ink);
  if (state === 'error') canvas.erase(badgeBang);
  return canvas.png();
}

/**
 * Windows/Linux: a terracotta tile with a white prompt, grey when stopped, and
 * the badge in colour: green dot, grey ring, red "!". `bar` is the background
 * it is made for (greys and the badge colours differ for contrast).
 */
function trayColour(state, bar, size) {
  const canvas = new Canvas(size);
  const px = 1 / size;
  const palette = {
    light: { stoppedTile: '#6E6E6E', stoppedInk: '#FFFFFF', green: '#1A7F37', red: '#CF222E' },
    dark: { stoppedTile: '#C9C9C9', stoppedInk: INK, green: '#3FB950', red: '#F85149' },
  }[bar];
  const tile = roundedRect(0.5, 0.5, 0.46, 0.46, 0.16);
  canvas.fill(
    tile,
    state === 'stopped'
      ? hex(palette.stoppedTile)
      : (x, y) => {
          const top = hex(TERRACOTTA_TOP);
          const bottom = hex(TERRACOTTA_BOTTOM);
          const t = Math.max(0, Math.min(1, (x + y) / 2));
          return [0, 1, 2].map((k) => top[k] + (bottom[k] - top[k]) * t).concat(1);
        },
  );
  canvas.fill(trayGlyph(px), hex(state === 'stopped' ? palette.stoppedInk : '#FFFFFF'));
  canvas.erase(circle(BADGE.cx, BADGE.cy, BADGE.r + BADGE.gap));
  if (state === 'stopped') {
    canvas.fill(badgeRing, hex(palette.stoppedTile));
    return canvas.png();
  }
  canvas.fill(circle(BADGE.cx, BADGE.cy, BADGE.r), hex(state === 'running' ? palette.green : palette.red));
  if (state === 'error') canvas.erase(badgeBang);
  return canvas.png();
}

function write(relative, bytes) {
  const file = path.join(here, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return relative;
}

const written = [];
written.push(write('icon.png', appIcon(1024)));
for (const size of [16, 32, 48, 64, 128, 256, 512]) written.push(write(`icons/${size}x${size}.png`, appIcon(size)));
for (const state of ['running', 'stopped', 'error']) {
  const name = state.charAt(0).toUpperCase() + state.slice(1);
  written.push(write(`tray/tray${name}Template.png`, trayTemplate(state, 16)));
  written.push(write(`tray/tray${name}Template@2x.png`, trayTemplate(state, 32)));
  for (const bar of ['light', 'dark']) {
    written.push(write(`tray/tray-${state}-${bar}.png`, trayColour(state, bar, 16)));
    written.push(write(`tray/tray-${state}-${bar}@2x.png`, trayColour(state, bar, 32)));
  }
}
console.log(`make-icons: wrote ${written.length} files under assets/`);
