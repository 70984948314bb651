// Applies a parsed .cube LUT to rgb48 pixels.
// Everything that depends on one channel alone (the 1D shaper, the domain mapping, the
// clamp to the domain edge, the split into lattice index and fraction) is folded into
// per-channel tables over all 65536 input codes, so the per-pixel work is three table
// reads, one tetrahedron (or cube) of lattice reads and the blend.
import type { CubeLut, Table1D } from './cube.js';

export type Interpolation = 'tetrahedral' | 'trilinear';

/** A 1D-only LUT: output code (0..65535, unrounded) per input code, per channel. */
export interface PreparedCurve {
  kind: 'curve';
  red: Float32Array;
  green: Float32Array;
  blue: Float32Array;
}

/**
 * A 3D LUT. For each input code, `*Index` is the lattice index along that axis already
 * multiplied by the axis stride in `table` (red 3, green 3n, blue 3n²), and `*Frac` the
 * position between that lattice point and the next. The top edge maps to index n-2 with
 * fraction 1, so "the next point" always exists.
 */
export interface PreparedCube {
  kind: Interpolation;
  size: number;
  redIndex: Int32Array;
  greenIndex: Int32Array;
  blueIndex: Int32Array;
  redFrac: Float32Array;
  greenFrac: Float32Array;
  blueFrac: Float32Array;
  /** The lattice in output code units (value × 65535), red index fastest. */
  table: Float32Array;
}

/** Plain data only: it crosses to worker_threads by structured clone. */
export type PreparedLut = PreparedCurve | PreparedCube;

const CODES = 65536;
const MAX_CODE = 65535;

/** Linear interpolation in a 1D table, clamping x to the table's domain. */
function sample1d(t: Table1D, channel: number, x: number): number {
  const min = t.domainMin[channel]!;
  const pos = ((x - min) / (t.domainMax[channel]! - min)) * (t.size - 1);
  if (!(pos > 0)) return t.table[channel]!;
  if (pos >= t.size - 1) return t.table[(t.size - 1) * 3 + channel]!;
  const i = Math.floor(pos);
  const a = t.table[i * 3 + channel]!;
  return a + (pos - i) * (t.table[i * 3 + 3 + channel]! - a);
}

/** Builds the kernel's tables; `interpolation` applies to 3D tables (1D ones are linear). */
export function prepareLut(lut: CubeLut, interpolation: Interpolation): PreparedLut {
  const { lut1d, lut3d } = lut;
  const shaper = (channel: number, code: number): number => {
    const x = code / MAX_CODE;
    return lut1d ? sample1d(lut1d, channel, x) : x;
  };

  if (!lut3d) {
    if (!lut1d) throw new Error(`${lut.source}: LUT has no table`);
    const curve = (channel: number): Float32Array => {
      const out = new Float32Array(CODES);
      for (let c = 0; c < CODES; c++) out[c] = Math.min(Math.max(shaper(channel, c), 0), 1) * MAX_CODE;
      return out;
    };
    return { kind: 'curve', red: curve(0), green: curve(1), blue: curve(2) };
  }

  const n = lut3d.size;
  const axis = (channel: number, stride: number): { index: Int32Array; frac: Float32Array } => {
    const index = new Int32Array(CODES);
    const frac = new Float32Array(CODES);
    const min = lut3d.domainMin[channel]!;
    const scale = (n - 1) / (lut3d.domainMax[channel]! - min);
    for (let c = 0; c < CODES; c++) {
      const pos = Math.min(Math.max((shaper(channel, c) - min) * scale, 0), n - 1);
      const i = Math.min(Math.floor(pos), n - 2);
      index[c] = i * stride;
      frac[c] = pos - i;
    }
    return { index, frac };
  };
  const r = axis(0, 3);
  const g = axis(1, 3 * n);
  const b = axis(2, 3 * n * n);
  const table = new Float32Array(lut3d.table.length);
  for (let i = 0; i < table.length; i++) table[i] = lut3d.table[i]! * MAX_CODE;
  return {
    kind: interpolation,
    size: n,
    redIndex: r.index,
    greenIndex: g.index,
    blueIndex: b.index,
    redFrac: r.frac,
    greenFrac: g.frac,
    blueFrac: b.frac,
    table,
  };
}

/**
 * Grades pixels [firstPixel, endPixel) of rgb48 `src` into `dst` (which may be `src`):
 * out = in + strength × (lut(in) − in), with lut(in) clamped to the code range.
 */
export function applyLut(
  p: PreparedLut,
  src: Uint16Array,
  dst: Uint16Array,
  firstPixel: number,
  endPixel: number,
  strength: number,
): void {
  const s = Math.min(Math.max(strength, 0), 1);
  if (p.kind === 'curve') applyCurve(p, src, dst, firstPixel * 3, endPixel * 3, s);
  else if (p.kind === 'tetrahedral') applyTetrahedral(p, src, dst, firstPixel * 3, endPixel * 3, s);
  else applyTrilinear(p, src, dst, firstPixel * 3, endPixel * 3, s);
}

// In the kernels below, a value v in [0, 65535] is written as (in + s·(v − in) + 0.5):
// a Uint16Array store truncates, so the +0.5 rounds; s = 0 gives back `in` exactly.

function applyCurve(p: PreparedCurve, src: Uint16Array, dst: Uint16Array, start: number, end: number, s: number): void {
  const { red, green, blue } = p;
  for (let i = start; i < end; i += 3) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    dst[i] = r + s * (red[r]! - r) + 0.5;
    dst[i + 1] = g + s * (green[g]! - g) + 0.5;
    dst[i + 2] = b + s * (blue[b]! - b) + 0.5;
  }
}

/**
 * Tetrahedral interpolation as in ffmpeg's lut3d: the cell is split into six tetrahedra
 * along its main diagonal, chosen by the order of the fractions f1 ≥ f2 ≥ f3. Each one
 * runs c000 → (one axis) → (two axes) → c111, weighted (1−f1), (f1−f2), (f2−f3), f3.
 * Only the two middle corners differ between tetrahedra, so the branches just pick
 * their offsets and the ordered fractions.
 */
function applyTetrahedral(p: PreparedCube, src: Uint16Array, dst: Uint16Array, start: number, end: number, s: number): void {
  const { redIndex, greenIndex, blueIndex, redFrac, greenFrac, blueFrac, table } = p;
  const sr = 3;
  const sg = 3 * p.size;
  const sb = 3 * p.size * p.size;
  const sAll = sr + sg + sb;
  for (let i = start; i < end; i += 3) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    const c0 = redIndex[r]! + greenIndex[g]! + blueIndex[b]!;
    const fr = redFrac[r]!;
    const fg = greenFrac[g]!;
    const fb = blueFrac[b]!;
    let o1: number, o2: number, f1: number, f2: number, f3: number;
    if (fr > fg) {
      if (fg > fb) {
        o1 = sr; o2 = sr + sg; f1 = fr; f2 = fg; f3 = fb;
      } else if (fr > fb) {
        o1 = sr; o2 = sr + sb; f1 = fr; f2 = fb; f3 = fg;
      } else {
        o1 = sb; o2 = sb + sr; f1 = fb; f2 = fr; f3 = fg;
      }
    } else if (fb > fg) {
      o1 = sb; o2 = sb + sg; f1 = fb; f2 = fg; f3 = fr;
    } else if (fb > fr) {
      o1 = sg; o2 = sg + sb; f1 = fg; f2 = fb; f3 = fr;
    } else {
      o1 = sg; o2 = sg + sr; f1 = fg; f2 = fr; f3 = fb;
    }
    const c1 = c0 + o1;
    const c2 = c0 + o2;
    const c3 = c0 + sAll;
    const w0 = 1 - f1;
    const w1 = f1 - f2;
    const w2 = f2 - f3;
    let vr = w0 * table[c0]! + w1 * table[c1]! + w2 * table[c2]! + f3 * table[c3]!;
    let vg = w0 * table[c0 + 1]! + w1 * table[c1 + 1]! + w2 * table[c2 + 1]! + f3 * table[c3 + 1]!;
    let vb = w0 * table[c0 + 2]! + w1 * table[c1 + 2]! + w2 * table[c2 + 2]! + f3 * table[c3 + 2]!;
    vr = vr < 0 ? 0 : vr > MAX_CODE ? MAX_CODE : vr;
    vg = vg < 0 ? 0 : vg > MAX_CODE ? MAX_CODE : vg;
    vb = vb < 0 ? 0 : vb > MAX_CODE ? MAX_CODE : vb;
    dst[i] = r + s * (vr - r) + 0.5;
    dst[i + 1] = g + s * (vg - g) + 0.5;
    dst[i + 2] = b + s * (vb - b) + 0.5;
  }
}

/** Trilinear: lerp along red on the cell's four red edges, then along green, then blue. */
function applyTrilinear(p: PreparedCube, src: Uint16Array, dst: Uint16Array, start: number, end: number, s: number): void {
  const { redIndex, greenIndex, blueIndex, redFrac, greenFrac, blueFrac, table: t } = p;
  const sg = 3 * p.size;
  const sb = 3 * p.size * p.size;
  for (let i = start; i < end; i += 3) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    const a = redIndex[r]! + greenIndex[g]! + blueIndex[b]!; // corner 000; +3 is 100
    const c = a + sg; // 010
    const d = a + sb; // 001
    const e = d + sg; // 011
    const fr = redFrac[r]!;
    const fg = greenFrac[g]!;
    const fb = blueFrac[b]!;
    // Unrolled by channel so the hot loop has no inner loop. Red:
    let x0 = t[a]! + fr * (t[a + 3]! - t[a]!);
    let x1 = t[c]! + fr * (t[c + 3]! - t[c]!);
    let x2 = t[d]! + fr * (t[d + 3]! - t[d]!);
    let x3 = t[e]! + fr * (t[e + 3]! - t[e]!);
    let y0 = x0 + fg * (x1 - x0);
    let vr = y0 + fb * (x2 + fg * (x3 - x2) - y0);
    // Green.
    x0 = t[a + 1]! + fr * (t[a + 4]! - t[a + 1]!);
    x1 = t[c + 1]! + fr * (t[c + 4]! - t[c + 1]!);
    x2 = t[d + 1]! + fr * (t[d + 4]! - t[d + 1]!);
    x3 = t[e + 1]! + fr * (t[e + 4]! - t[e + 1]!);
    y0 = x0 + fg * (x1 - x0);
    let vg = y0 + fb * (x2 + fg * (x3 - x2) - y0);
    // Blue.
    x0 = t[a + 2]! + fr * (t[a + 5]! - t[a + 2]!);
    x1 = t[c + 2]! + fr * (t[c + 5]! - t[c + 2]!);
    x2 = t[d + 2]! + fr * (t[d + 5]! - t[d + 2]!);
    x3 = t[e + 2]! + fr * (t[e + 5]! - t[e + 2]!);
    y0 = x0 + fg * (x1 - x0);
    let vb = y0 + fb * (x2 + fg * (x3 - x2) - y0);
    vr = vr < 0 ? 0 : vr > MAX_CODE ? MAX_CODE : vr;
    vg = vg < 0 ? 0 : vg > MAX_CODE ? MAX_CODE : vg;
    vb = vb < 0 ? 0 : vb > MAX_CODE ? MAX_CODE : vb;
    dst[i] = r + s * (vr - r) + 0.5;
    dst[i + 1] = g + s * (vg - g) + 0.5;
    dst[i + 2] = b + s * (vb - b) + 0.5;
  }
}
