/**
 * Draws appPackage/color.png (192×192) and appPackage/outline.png (32×32, white on transparent):
 * a shield with a check mark. Run `npx tsx scripts/icons.ts` after changing the drawing; the PNGs
 * are committed so packaging needs no image tools.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from './png';

type Shape = (x: number, y: number) => boolean;

/** Shield in unit coordinates: straight sides, then a curve down to a point. */
function shield(inset: number): Shape {
  const top = 0.16 + inset;
  const bottom = 0.9 - inset * 1.4;
  const half = 0.3 - inset;
  const knee = 0.52;
  return (x, y) => {
    if (y < top || y > bottom) return false;
    const h = y <= knee ? half : half * Math.sqrt(Math.max(0, 1 - ((y - knee) / (bottom - knee)) ** 2));
    return Math.abs(x - 0.5) <= h;
  };
}

function nearSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number, r: number): boolean {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy)) <= r;
}

const check =
  (r: number): Shape =>
  (x, y) =>
    nearSegment(x, y, 0.36, 0.5, 0.46, 0.62, r) || nearSegment(x, y, 0.46, 0.62, 0.66, 0.38, r);

/** Anti-aliased rendering: 4×4 samples per pixel give the coverage used as alpha. */
function draw(size: number, paint: (x: number, y: number) => [number, number, number, number] | null): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = paint((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (!c) continue;
          for (let i = 0; i < 3; i++) acc[i] = (acc[i] ?? 0) + (c[i] ?? 0) * (c[3] ?? 0);
          acc[3] = (acc[3] ?? 0) + (c[3] ?? 0);
        }
      }
      const alpha = (acc[3] ?? 0) / (n * n);
      const o = (py * size + px) * 4;
      for (let i = 0; i < 3; i++) out[o + i] = alpha > 0 ? Math.round((acc[i] ?? 0) / (acc[3] ?? 1)) : 0;
      out[o + 3] = Math.round(alpha);
    }
  }
  return out;
}

const BLUE: [number, number, number, number] = [15, 108, 189, 255];
const WHITE: [number, number, number, number] = [255, 255, 255, 255];

export function colorIcon(): Buffer {
  const outer = shield(0);
  const mark = check(0.045);
  return encodePng(192, 192, draw(192, (x, y) => (mark(x, y) ? BLUE : outer(x, y) ? WHITE : BLUE)));
}

export function outlineIcon(): Buffer {
  const outer = shield(0);
  const inner = shield(0.08);
  const mark = check(0.06);
  return encodePng(32, 32, draw(32, (x, y) => ((outer(x, y) && !inner(x, y)) || mark(x, y) ? WHITE : null)));
}

if (require.main === module) {
  const dir = join(__dirname, '..', 'appPackage');
  writeFileSync(join(dir, 'color.png'), colorIcon());
  writeFileSync(join(dir, 'outline.png'), outlineIcon());
  console.log(`wrote ${dir}/color.png and outline.png`);
}
