import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { appPaths } from './paths.js';
import { trayIconFor, type TrayStatus } from './tray-menu.js';

// The icons assets/make-icons.mjs writes, checked against what the shell asks for.
const root = fileURLToPath(new URL('../..', import.meta.url));
const paths = appPaths(root);

/** Size and RGBA pixels of a PNG as make-icons.mjs writes them (8-bit RGBA, filter 0 on every row). */
function readPng(file: string): { width: number; height: number; pixels: Buffer } {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(1, 4).toString('ascii'), 'PNG', `${file} is a PNG`);
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  assert.deepEqual([bytes[24], bytes[25]], [8, 6], `${file} is 8-bit RGBA`);
  const data: Buffer[] = [];
  for (let offset = 8; offset < bytes.length;) {
    const length = bytes.readUInt32BE(offset);
    if (bytes.toString('ascii', offset + 4, offset + 8) === 'IDAT') data.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width * 4 + 1)], 0, 'filter 0');
    raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, pixels };
}

const statuses: TrayStatus[] = ['running', 'stopped', 'error'];
const at2x = (file: string) => file.replace(/\.png$/, '@2x.png');

describe('tray icons', () => {
  it('exist for every status, platform and bar, at 16 px and 32 px (@2x)', () => {
    for (const status of statuses) {
      for (const [platform, dark] of [
        ['darwin', false],
        ['win32', false],
        ['win32', true],
        ['linux', true],
      ] as const) {
        const file = path.join(paths.trayIconDir, trayIconFor(status, platform, dark));
        const small = readPng(file);
        const large = readPng(at2x(file));
        assert.deepEqual([small.width, small.height, large.width, large.height], [16, 16, 32, 32], file);
      }
    }
  });

  it('differ between statuses, so the state shows', () => {
    for (const [platform, dark] of [
      ['darwin', false],
      ['linux', false],
      ['linux', true],
    ] as const) {
      const images = statuses.map((status) =>
        readPng(path.join(paths.trayIconDir, trayIconFor(status, platform, dark))).pixels.toString('base64'),
      );
      assert.equal(new Set(images).size, 3, `${platform} ${dark ? 'dark' : 'light'}`);
    }
  });

  it('are template images on macOS: black and alpha only', () => {
    for (const status of statuses) {
      const file = path.join(paths.trayIconDir, trayIconFor(status, 'darwin', false));
      assert.match(path.basename(file), /Template\.png$/, 'Electron treats …Template.png as a template image');
      for (const { pixels } of [readPng(file), readPng(at2x(file))]) {
        let opaque = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3] === 0) continue;
          opaque += 1;
          assert.deepEqual([pixels[i], pixels[i + 1], pixels[i + 2]], [0, 0, 0], `${file}: colour at pixel ${i / 4}`);
        }
        assert.ok(opaque > 30, `${file} draws something`);
      }
    }
  });
});

describe('app icons', () => {
  it('are square PNGs at the sizes the installers and the window use', () => {
    const icon = readPng(path.join(root, 'assets', 'icon.png'));
    assert.deepEqual([icon.width, icon.height], [1024, 1024]);
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      const png = readPng(path.join(root, 'assets', 'icons', `${size}x${size}.png`));
      assert.deepEqual([png.width, png.height], [size, size]);
    }
    assert.equal(readPng(paths.windowIcon).width, 256);
  });
});
