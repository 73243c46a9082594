// A tiny PNG encoder for test images: 8-bit RGB, no interlacing.

import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
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

/** A `width`×`height` PNG whose pixel (x, y) is `color(x, y)` → [r, g, b]. */
export function png(width, height, color) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    rows[row] = 0; // no filter
    for (let x = 0; x < width; x += 1) {
      const [r, g, b] = color(x, y);
      rows.set([r, g, b], row + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * Math.min(1, Math.max(0, t))));

/** Colour functions for test photos that look like photos in screenshots. */
export const scenes = {
  /** A sunset over the sea with a pier. */
  sunset(width, height) {
    return (x, y) => {
      const u = x / width;
      const v = y / height;
      const horizon = 0.62;
      const sun = Math.hypot(u - 0.64, (v - 0.54) * (height / width)) * (width / height);
      if (v > 0.57 && v < 0.6 && u < 0.47) return [34, 24, 30];
      if (v >= 0.6 && v < 0.75 && u < 0.45 && Math.floor(u * 40) % 5 === 0) return [34, 24, 30];
      if (v < horizon) {
        if (sun < 0.09) return [255, 226, 160];
        const glow = Math.max(0, 0.3 - sun) * 1.6;
        return mix(mix([82, 56, 138], [247, 145, 82], v / horizon), [255, 200, 120], glow);
      }
      const shimmer = Math.abs(u - 0.64) < 0.08 * (1 - (v - horizon)) && Math.floor(y / 3) % 2 === 0;
      return shimmer ? [250, 190, 120] : mix([58, 62, 120], [20, 26, 58], (v - horizon) / (1 - horizon));
    };
  },
  /** Mountains over a lake under a blue sky. */
  mountains(width, height) {
    return (x, y) => {
      const u = x / width;
      const v = y / height;
      const ridge = 0.45 + 0.12 * Math.sin(u * 9) + 0.08 * Math.sin(u * 23 + 1);
      const lake = 0.72;
      if (v > lake) return mix([60, 110, 150], [30, 60, 90], (v - lake) / (1 - lake));
      if (v > ridge) return v > ridge + 0.02 && v < ridge + 0.05 ? [236, 240, 245] : mix([46, 92, 70], [28, 56, 44], (v - ridge) * 3);
      return mix([92, 150, 230], [210, 230, 248], v / ridge);
    };
  },
  /** Soft pastel circles. */
  bubbles(width, height) {
    const dots = [[0.3, 0.35, 0.22, [255, 170, 190]], [0.68, 0.6, 0.28, [170, 200, 255]], [0.55, 0.25, 0.14, [255, 225, 150]]];
    return (x, y) => {
      for (const [cx, cy, r, c] of dots) {
        if (Math.hypot(x / width - cx, (y / height - cy) * (height / width)) < r) return c;
      }
      return mix([250, 244, 236], [236, 228, 246], y / height);
    };
  },
};
