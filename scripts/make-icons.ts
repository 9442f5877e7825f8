import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/**
 * Draws the lattice-mesh mark (a 3×3 lattice of nodes joined by links, the centre node lit) as
 * PNG and SVG app icons into public/. Node only: shapes are signed-distance functions with
 * analytic anti-aliasing, encoded by a minimal PNG writer. Run: node --import tsx scripts/make-icons.ts
 */

type Rgba = readonly [number, number, number, number];
const BG: Rgba = [11, 18, 32, 255];
const LINK: Rgba = [56, 189, 248, 255];
const NODE: Rgba = [125, 211, 252, 255];
const LIT: Rgba = [251, 191, 36, 255];
const hex = (c: Rgba): string =>
  '#' +
  c
    .slice(0, 3)
    .map((v) => v.toString(16).padStart(2, '0'))
    .join('');

/** Mark geometry in unit space (0..1); `scale` shrinks it about the centre for the maskable safe zone. */
const GRID = [0.28, 0.5, 0.72];
const NODE_R = 0.052;
const LIT_R = 0.075;
const LINK_W = 0.026;
const CORNER = 0.2;

interface Segment {
  readonly a: readonly [number, number];
  readonly b: readonly [number, number];
}

function links(): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      out.push({ a: [GRID[j]!, GRID[i]!], b: [GRID[j + 1]!, GRID[i]!] });
      out.push({ a: [GRID[i]!, GRID[j]!], b: [GRID[i]!, GRID[j + 1]!] });
    }
  }
  // Diagonals through the lit centre: a mesh, not just a grid.
  out.push({ a: [GRID[0]!, GRID[0]!], b: [GRID[2]!, GRID[2]!] });
  out.push({ a: [GRID[2]!, GRID[0]!], b: [GRID[0]!, GRID[2]!] });
  return out;
}

function nodes(): { x: number; y: number; r: number; lit: boolean }[] {
  return GRID.flatMap((y, i) =>
    GRID.map((x, j) => ({ x, y, r: i === 1 && j === 1 ? LIT_R : NODE_R, lit: i === 1 && j === 1 })),
  );
}

function segmentDistance(px: number, py: number, s: Segment): number {
  const [ax, ay] = s.a;
  const [bx, by] = s.b;
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function roundedBoxDistance(px: number, py: number, r: number): number {
  const qx = Math.abs(px - 0.5) - (0.5 - r);
  const qy = Math.abs(py - 0.5) - (0.5 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Source-over blend of `c` with coverage `a` onto pixel `i`. */
function blend(px: Uint8Array, i: number, c: Rgba, a: number): void {
  if (a <= 0) return;
  const srcA = (a * c[3]) / 255;
  const dstA = px[i + 3]! / 255;
  const outA = srcA + dstA * (1 - srcA);
  for (let k = 0; k < 3; k++) px[i + k] = Math.round((c[k]! * srcA + px[i + k]! * dstA * (1 - srcA)) / (outA || 1));
  px[i + 3] = Math.round(outA * 255);
}

function draw(size: number, opts: { fullBleed: boolean; scale: number }): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const segs = links();
  const dots = nodes();
  const cover = (dPixels: number): number => Math.max(0, Math.min(1, 0.5 - dPixels));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      const bg = opts.fullBleed ? 1 : cover(roundedBoxDistance(u, v, CORNER) * size);
      blend(px, i, BG, bg);
      // Mark coordinates: undo the safe-zone scaling about the centre.
      const mu = 0.5 + (u - 0.5) / opts.scale;
      const mv = 0.5 + (v - 0.5) / opts.scale;
      const unit = size * opts.scale;
      let d = Infinity;
      for (const s of segs) d = Math.min(d, segmentDistance(mu, mv, s) - LINK_W / 2);
      blend(px, i, LINK, cover(d * unit) * bg);
      for (const n of dots) {
        const dn = Math.hypot(mu - n.x, mv - n.y) - n.r;
        blend(px, i, n.lit ? LIT : NODE, cover(dn * unit) * bg);
      }
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** RGBA, 8 bits per channel, filter type 0 on every row. */
function encodePng(size: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function svg(): string {
  const f = (n: number): string => String(Math.round(n * 512 * 100) / 100);
  const lines = links()
    .map((s) => `<line x1="${f(s.a[0])}" y1="${f(s.a[1])}" x2="${f(s.b[0])}" y2="${f(s.b[1])}"/>`)
    .join('');
  const circles = nodes()
    .map((n) => `<circle cx="${f(n.x)}" cy="${f(n.y)}" r="${f(n.r)}" fill="${hex(n.lit ? LIT : NODE)}"/>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">`,
    `<title>lattice-mesh</title>`,
    `<rect width="512" height="512" rx="${f(CORNER)}" fill="${hex(BG)}"/>`,
    `<g stroke="${hex(LINK)}" stroke-width="${f(LINK_W)}" stroke-linecap="round">${lines}</g>`,
    circles,
    `</svg>`,
    '',
  ].join('\n');
}

const out = (name: string): URL => new URL(`../public/${name}`, import.meta.url);
const icons: { name: string; size: number; fullBleed: boolean; scale: number }[] = [
  { name: 'icon-192.png', size: 192, fullBleed: false, scale: 1 },
  { name: 'icon-512.png', size: 512, fullBleed: false, scale: 1 },
  // Maskable: opaque to the edge; the outer nodes reach 0.37 of the width from the centre, inside the 0.4 safe circle.
  { name: 'icon-maskable-512.png', size: 512, fullBleed: true, scale: 0.95 },
  // iOS fills transparency with black and rounds the corners itself.
  { name: 'apple-touch-icon.png', size: 180, fullBleed: true, scale: 1 },
];
for (const icon of icons) writeFileSync(out(icon.name), encodePng(icon.size, draw(icon.size, icon)));
writeFileSync(out('icon.svg'), svg());
console.log(`wrote ${icons.map((i) => i.name).join(', ')}, icon.svg to public/`);
