// Pixel kernels of the clean step, run on the worker pool by row bands (steps/clean.ts
// drives them). Every kernel is a plain function over shared typed arrays: it reads what
// it likes and writes only the rows [first, end) of its band (in pixels, whole rows), or,
// for the block kernels, only the blocks whose top row lies in the band, so bands never
// race. Planes are float32 in 8-bit units (0..255) so thresholds read like 8-bit codes.

import { simd } from '../simd/kernels.js';
import { DCT_SCALE, fdct8x8, idct8x8Add } from './clean-dct.js';

const TO_8BIT = 255 / 65535;
const TO_16BIT = 65535 / 255;
// BT.709, full range: what the pipeline decodes to and what encoders expect back.
const KR = 0.2126;
const KB = 0.0722;
const KG = 1 - KR - KB;
const CB_SCALE = 1 / (2 * (1 - KB));
const CR_SCALE = 1 / (2 * (1 - KR));

/** rgb48 interleaved → Y, Cb, Cr float planes (Cb/Cr centred on 0). */
export function rgbToYcc(rgb: Uint16Array, y: Float32Array, cb: Float32Array, cr: Float32Array, first: number, end: number): void {
  for (let p = first, i = first * 3; p < end; p++, i += 3) {
    const r = rgb[i]! * TO_8BIT;
    const g = rgb[i + 1]! * TO_8BIT;
    const b = rgb[i + 2]! * TO_8BIT;
    const l = KR * r + KG * g + KB * b;
    y[p] = l;
    cb[p] = (b - l) * CB_SCALE;
    cr[p] = (r - l) * CR_SCALE;
  }
}

function to16(v: number): number {
  const x = v * TO_16BIT + 0.5;
  return x <= 0 ? 0 : x >= 65535 ? 65535 : x | 0;
}

/** Y, Cb, Cr float planes → rgb48 interleaved, rounded and clamped. */
export function yccToRgb(y: Float32Array, cb: Float32Array, cr: Float32Array, rgb: Uint16Array, first: number, end: number): void {
  for (let p = first, i = first * 3; p < end; p++, i += 3) {
    const l = y[p]!;
    const r = l + cr[p]! / CR_SCALE;
    const b = l + cb[p]! / CB_SCALE;
    const g = (l - KR * r - KB * b) / KG;
    rgb[i] = to16(r);
    rgb[i + 1] = to16(g);
    rgb[i + 2] = to16(b);
  }
}

/** Steps larger than this (8-bit units) are picture edges, not block edges. */
const MAX_BLOCK_STEP = 12;

/**
 * How blocky a plane is along one axis (`horizontal`: steps between columns). For each
 * phase 0..7 of an 8-pixel grid: how often the step across that phase is a local peak
 * (larger than the steps beside it, and small enough to be quantisation), and the mean of
 * those peaks beyond their neighbours. Returns [peaks ×8, excess sum ×8, samples ×8] so
 * bands can be added up. Strong picture edges do not count, so a grid is found even on
 * pictures with regular structure.
 */
export function gridSteps(plane: Float32Array, width: number, horizontal: boolean, first: number, end: number): number[] {
  const sums = new Float64Array(24);
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  if (horizontal) {
    for (let y = y0; y < y1; y++) {
      const row = y * width;
      let prev = Math.abs(plane[row + 1]! - plane[row]!);
      let here = Math.abs(plane[row + 2]! - plane[row + 1]!);
      for (let x = 2; x + 1 < width; x++) {
        const next = Math.abs(plane[row + x + 1]! - plane[row + x]!);
        const p = x & 7;
        sums[16 + p]++;
        if (here > prev && here > next && here < MAX_BLOCK_STEP) {
          sums[p]++;
          sums[8 + p] += here - 0.5 * (prev + next);
        }
        prev = here;
        here = next;
      }
    }
  } else {
    for (let y = Math.max(2, y0); y < y1 && y + 1 < plane.length / width; y++) {
      const row = y * width;
      const p = y & 7;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        const here = Math.abs(plane[i]! - plane[i - width]!);
        const prev = Math.abs(plane[i - width]! - plane[i - 2 * width]!);
        const next = Math.abs(plane[i + width]! - plane[i]!);
        sums[16 + p]++;
        if (here > prev && here > next && here < MAX_BLOCK_STEP) {
          sums[p]++;
          sums[8 + p] += here - 0.5 * (prev + next);
        }
      }
    }
  }
  return Array.from(sums);
}

/**
 * Removes the step at one block edge between a[-1] and a[0] (stride `s`), spread as a ramp
 * over `reach` pixels each side, when the step looks like quantisation, not picture: small
 * against `t` and the two sides smooth. The correction fades out as the step nears `t`.
 */
function smoothEdge(a: Float32Array, at: number, s: number, reach: number, t: number, flat: number): void {
  const p0 = a[at - s]!;
  const q0 = a[at]!;
  const p1 = a[at - 2 * s]!;
  const q1 = a[at + s]!;
  // The step beyond what the slopes either side would predict.
  const step = q0 - p0 - 0.5 * (p0 - p1 + (q1 - q0));
  const mag = Math.abs(step);
  if (mag < 0.25 || mag >= t) return;
  const rough = Math.abs(p0 - p1) + Math.abs(q1 - q0) + Math.abs(a[at - 3 * s]! - p1) + Math.abs(a[at + 2 * s]! - q1);
  if (rough > flat) return;
  const fade = 1 - mag / t;
  const k = step * fade * (1 - rough / flat);
  // Linear ramp from the outermost p pixel to the outermost q pixel, minus the step.
  const n = 2 * reach;
  for (let j = 0; j < n; j++) {
    a[at + (j - reach) * s] += k * ((j + 0.5) / n - (j >= reach ? 1 : 0));
  }
}

/** Deblocking parameters of one frame; strengths 0 leave a grid alone. */
export interface DeblockParams {
  /** Grid phase: block edges lie before columns/rows x with (x - phase) % 8 == 0. */
  phaseX: number;
  phaseY: number;
  /** Thresholds in 8-bit units for luma 8-grid, luma 4-grid and chroma 8-grid edges. */
  t8: number;
  t4: number;
  tc: number;
}

/** Filters the vertical block edges (steps along rows) of the band's rows, in place. */
export function deblockRows(y: Float32Array, cb: Float32Array, cr: Float32Array, width: number, d: DeblockParams, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  for (let row = y0; row < y1; row++) {
    const base = row * width;
    for (let x = ((d.phaseX - 4) & 7) + 4; x + 4 <= width; x += 8) {
      if (d.t8 > 0) smoothEdge(y, base + x, 1, 4, d.t8, d.t8 * 1.5);
      if (d.tc > 0) {
        smoothEdge(cb, base + x, 1, 4, d.tc, d.tc * 1.5);
        smoothEdge(cr, base + x, 1, 4, d.tc, d.tc * 1.5);
      }
    }
    if (d.t4 > 0) {
      for (let x = (d.phaseX & 7) + 4; x + 3 <= width; x += 8) {
        if (x >= 3) smoothEdge(y, base + x, 1, 2, d.t4, d.t4 * 1.5);
      }
    }
  }
}

/**
 * Filters the horizontal block edges of one grid (`four`: the 4-grid between 8-grid edges),
 * in place. An edge belongs to the band that holds its first row below; an edge's filter
 * reaches at most 4 rows each side, so edges 8 rows apart never touch the same rows.
 */
export function deblockColumns(y: Float32Array, cb: Float32Array, cr: Float32Array, width: number, height: number, d: DeblockParams, four: boolean, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const start = four ? (d.phaseY & 7) + 4 : ((d.phaseY - 4) & 7) + 4;
  for (let e = start; e < y1; e += 8) {
    if (e < y0) continue;
    if (four) {
      if (e < 3 || e + 2 >= height || d.t4 <= 0) continue;
      const base = e * width;
      for (let x = 0; x < width; x++) smoothEdge(y, base + x, width, 2, d.t4, d.t4 * 1.5);
      continue;
    }
    if (e + 4 > height) continue;
    const base = e * width;
    for (let x = 0; x < width; x++) {
      if (d.t8 > 0) smoothEdge(y, base + x, width, 4, d.t8, d.t8 * 1.5);
      if (d.tc > 0) {
        smoothEdge(cb, base + x, width, 4, d.tc, d.tc * 1.5);
        smoothEdge(cr, base + x, width, 4, d.tc, d.tc * 1.5);
      }
    }
  }
}

/** A frame's luma at full, half and quarter resolution (box-filtered), for motion search. */
export interface Pyramid {
  y: Float32Array;
  y1: Float32Array;
  y2: Float32Array;
}

/** Fills the half and quarter levels for the band's rows (a coarse row belongs to the band of its first full row). */
export function buildPyramid(p: Pyramid, width: number, height: number, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const w1 = width >> 1;
  const h1 = height >> 1;
  for (let r = Math.ceil(y0 / 2); r * 2 < y1 && r < h1; r++) {
    const a = 2 * r * width;
    const b = a + width;
    for (let x = 0; x < w1; x++) {
      const i = 2 * x;
      p.y1[r * w1 + x] = 0.25 * (p.y[a + i]! + p.y[a + i + 1]! + p.y[b + i]! + p.y[b + i + 1]!);
    }
  }
  const w2 = width >> 2;
  const h2 = height >> 2;
  for (let r = Math.ceil(y0 / 4); r * 4 < y1 && r < h2; r++) {
    for (let x = 0; x < w2; x++) {
      let s = 0;
      for (let dy = 0; dy < 4; dy++) {
        const row = (4 * r + dy) * width + 4 * x;
        s += p.y[row]! + p.y[row + 1]! + p.y[row + 2]! + p.y[row + 3]!;
      }
      p.y2[r * w2 + x] = s / 16;
    }
  }
}

/**
 * Sum of absolute differences of two 8x8 blocks plus `bias`; Infinity as soon as a partial
 * sum exceeds `limit` (sums only grow, so such a block can never win).
 */
function sad8(a: Float32Array, b: Float32Array, stride: number, ia: number, ib: number, bias: number, limit: number): number {
  let s = 0;
  for (let r = 0; r < 8; r++) {
    const ra = ia + r * stride;
    const rb = ib + r * stride;
    for (let c = 0; c < 8; c++) s += Math.abs(a[ra + c]! - b[rb + c]!);
    if (s + bias > limit) return Infinity;
  }
  return s + bias;
}

/**
 * Sum of squared differences of two 8x8 blocks; Infinity once a partial sum exceeds `limit`
 * or is too large to beat a still cost of `still` (see estimateMotion).
 */
function ssd8(a: Float32Array, b: Float32Array, stride: number, ia: number, ib: number, limit: number, still: number): number {
  let s = 0;
  for (let r = 0; r < 8; r++) {
    const ra = ia + r * stride;
    const rb = ib + r * stride;
    for (let c = 0; c < 8; c++) {
      const d = a[ra + c]! - b[rb + c]!;
      s += d * d;
    }
    if (s > limit || s * 1.1 + 16 >= still) return Infinity;
  }
  return s;
}

const clampInt = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/**
 * The best candidate of a search so far. Candidates may be tried in any order (the likely
 * ones first, so the rest can stop early): ties go to the lowest scan index `i`, which keeps
 * the choice a plain scan with `<` would make.
 */
class Best {
  s = Infinity;
  dx = 0;
  dy = 0;
  i = Infinity;

  reset(dx: number, dy: number): void {
    this.s = Infinity;
    this.i = Infinity;
    this.dx = dx;
    this.dy = dy;
  }

  offer(s: number, dx: number, dy: number, i: number): void {
    if (s < this.s || (s === this.s && s < Infinity && i < this.i)) {
      this.s = s;
      this.dx = dx;
      this.dy = dy;
      this.i = i;
    }
  }
}

/** Offers the block at `ia` of `a` moved by (dx, dy) in `b` (a level of size w x h), if it lies on it. */
function offerSad(best: Best, a: Float32Array, b: Float32Array, w: number, h: number, ox: number, oy: number, dx: number, dy: number, bias: number, i: number): void {
  if (ox + dx < 0 || ox + dx > w - 8 || oy + dy < 0 || oy + dy > h - 8) return;
  const ia = oy * w + ox;
  best.offer(sad8(a, b, w, ia, ia + dy * w + dx, bias, best.s), dx, dy, i);
}

/**
 * Full-resolution costs of one 8x8 block at (ox, oy) of `cur` against `ref`: the squared
 * difference for a displacement, Infinity off the picture. Costs within ±2 of (cx, cy) are
 * kept, as the search, the still test and the sub-pixel fit ask for the same ones.
 */
class BlockCosts {
  ox = 0;
  oy = 0;
  cx = 0;
  cy = 0;
  private readonly known = new Float64Array(25);

  constructor(private readonly cur: Float32Array, private readonly ref: Float32Array, private readonly width: number, private readonly height: number) {}

  reset(ox: number, oy: number, cx: number, cy: number): void {
    this.ox = ox;
    this.oy = oy;
    this.cx = cx;
    this.cy = cy;
    this.known.fill(NaN);
  }

  /** The cost of (dx, dy), or Infinity if ssd8 gives up on it for `limit` or `still` (those are not kept). */
  at(dx: number, dy: number, limit = Infinity, still = Infinity): number {
    const { ox, oy, width } = this;
    if (ox + dx < 0 || ox + dx > width - 8 || oy + dy < 0 || oy + dy > this.height - 8) return Infinity;
    const ex = dx - this.cx + 2;
    const ey = dy - this.cy + 2;
    const j = ex >= 0 && ex <= 4 && ey >= 0 && ey <= 4 ? ey * 5 + ex : -1;
    if (j >= 0 && this.known[j] === this.known[j]) return this.known[j]!;
    const ia = oy * width + ox;
    const s = ssd8(this.cur, this.ref, width, ia, ia + dy * width + dx, limit, still);
    if (j >= 0 && s < Infinity) this.known[j] = s;
    return s;
  }
}

/**
 * Block motion from `cur` to `ref`: a coarse full search on the quarter level around zero
 * and around `pred` (the field of a related pair, or null), refined on the half level, then
 * per 8x8 block on full resolution with a sub-pixel parabola fit. Writes (dx, dy) per 8x8
 * block to `out` and the block's mean squared error at the integer match to `err`.
 * A band owns the 16x16 block rows whose top row lies in it.
 */
export function estimateMotion(
  cur: Pyramid, ref: Pyramid, width: number, height: number,
  pred: Float32Array | null, out: Float32Array, err: Float32Array, search: number,
  first: number, end: number,
): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  const mw = Math.ceil(width / 16);
  const w1 = width >> 1;
  const h1 = height >> 1;
  const w2 = width >> 2;
  const h2 = height >> 2;
  const coarse = w2 >= 8 && h2 >= 8;
  const costs = new BlockCosts(cur.y, ref.y, width, height);
  const best = new Best();
  const side = 2 * search + 1;
  for (let my = Math.ceil(y0 / 16); my * 16 < y1; my++) {
    for (let mx = 0; mx < mw; mx++) {
      // Predictor: mean of the related field over this macroblock's 8x8 blocks.
      let px = 0;
      let py = 0;
      if (pred) {
        let n = 0;
        for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) {
          const bx = 2 * mx + i;
          const by = 2 * my + j;
          if (bx < bw && by < bh) {
            px += pred[2 * (by * bw + bx)]!;
            py += pred[2 * (by * bw + bx) + 1]!;
            n++;
          }
        }
        px /= n;
        py /= n;
      }
      // Quarter level: 8x8 window centred on the macroblock, candidates indexed in scan
      // order (the window around zero, then the one around the prediction).
      let vx2 = Math.round(px / 4);
      let vy2 = Math.round(py / 4);
      if (coarse) {
        const ox = clampInt(4 * mx - 2, 0, w2 - 8);
        const oy = clampInt(4 * my - 2, 0, h2 - 8);
        const second = pred !== null && (vx2 !== 0 || vy2 !== 0);
        const inFirst = Math.abs(vx2) <= search && Math.abs(vy2) <= search;
        const zeroAt = search * side + search;
        const predAt = inFirst ? (vy2 + search) * side + vx2 + search : side * side + zeroAt;
        best.reset(0, 0);
        // A small bias to the zero vector keeps flat areas still.
        offerSad(best, cur.y2, ref.y2, w2, h2, ox, oy, 0, 0, 0, zeroAt);
        if (second) offerSad(best, cur.y2, ref.y2, w2, h2, ox, oy, vx2, vy2, 4, predAt);
        for (let c = 0; c < (second ? 2 : 1); c++) {
          const cx = c === 0 ? 0 : vx2;
          const cy = c === 0 ? 0 : vy2;
          for (let dy = cy - search; dy <= cy + search; dy++) {
            for (let dx = cx - search; dx <= cx + search; dx++) {
              const i = c * side * side + (dy - cy + search) * side + dx - cx + search;
              if (i === zeroAt || (second && i === predAt)) continue;
              // The second window skips what the first (around zero) already tried.
              if (c > 0 && Math.abs(dx) <= search && Math.abs(dy) <= search) continue;
              offerSad(best, cur.y2, ref.y2, w2, h2, ox, oy, dx, dy, 4, i);
            }
          }
        }
        vx2 = best.dx;
        vy2 = best.dy;
      }
      // Half level: 8x8 window on the macroblock, ±1 around the coarse vector.
      let vx1 = 2 * vx2;
      let vy1 = 2 * vy2;
      if (w1 >= 8 && h1 >= 8) {
        const ox = clampInt(8 * mx, 0, w1 - 8);
        const oy = clampInt(8 * my, 0, h1 - 8);
        best.reset(vx1, vy1);
        offerSad(best, cur.y1, ref.y1, w1, h1, ox, oy, vx1, vy1, 0, 4);
        for (let i = 0; i < 9; i++) {
          if (i !== 4) offerSad(best, cur.y1, ref.y1, w1, h1, ox, oy, vx1 + (i % 3) - 1, vy1 + ((i / 3) | 0) - 1, 0, i);
        }
        vx1 = best.dx;
        vy1 = best.dy;
      }
      // Full resolution: each 8x8 block, ±1 around the half-level vector, then sub-pixel.
      for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) {
        const bx = 2 * mx + i;
        const by = 2 * my + j;
        if (bx >= bw || by >= bh) continue;
        const cx = 2 * vx1;
        const cy = 2 * vy1;
        costs.reset(Math.min(8 * bx, width - 8), Math.min(8 * by, height - 8), cx, cy);
        // Still areas keep the zero vector (no sub-pixel jitter from noise), unless another
        // match is clearly better. Knowing the still cost first, the search drops candidates
        // as soon as they cannot be clearly better; if none is left, the block is still.
        const still = costs.at(0, 0);
        best.reset(cx, cy);
        best.offer(costs.at(cx, cy, Infinity, still), cx, cy, 4);
        for (let k = 0; k < 9; k++) {
          const dx = cx + (k % 3) - 1;
          const dy = cy + ((k / 3) | 0) - 1;
          if (k !== 4) best.offer(costs.at(dx, dy, best.s, still), dx, dy, k);
        }
        const fx = best.dx;
        const fy = best.dy;
        const score = best.s;
        const b = by * bw + bx;
        if (score === Infinity || still <= score * 1.1 + 16) {
          out[2 * b] = 0;
          out[2 * b + 1] = 0;
          err[b] = still / 64;
          continue;
        }
        let sx = 0;
        let sy = 0;
        const l = costs.at(fx - 1, fy);
        const r = costs.at(fx + 1, fy);
        const u = costs.at(fx, fy - 1);
        const d = costs.at(fx, fy + 1);
        if (l < Infinity && r < Infinity) {
          const den = l - 2 * score + r;
          if (den > 0) sx = Math.max(-0.5, Math.min(0.5, (l - r) / (2 * den)));
        }
        if (u < Infinity && d < Infinity) {
          const den = u - 2 * score + d;
          if (den > 0) sy = Math.max(-0.5, Math.min(0.5, (u - d) / (2 * den)));
        }
        out[2 * b] = fx + sx;
        out[2 * b + 1] = fy + sy;
        err[b] = score / 64;
      }
    }
  }
}

/** The colour planes of one frame. */
export interface Planes {
  y: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

/**
 * Planes as a tuple, taken apart at a kernel's entry. A Planes object reaches a worker as a
 * fresh structured clone each call; reading its fields in hot loops made V8 deoptimise on
 * "wrong map" and recompile, call after call (a preview's kernels ran 3-7x slower).
 */
type PlaneArrays = [Float32Array, Float32Array, Float32Array];
const arrays = (p: Planes): PlaneArrays => [p.y, p.cb, p.cr];

const EXP_STEPS = 32;
const EXP_RANGE = 16;
const EXP_TABLE = Float64Array.from({ length: EXP_RANGE * EXP_STEPS + 2 }, (_, k) => Math.exp(-k / EXP_STEPS));

/**
 * exp(−x) for x ≥ 0, linear between steps of 1/32 (relative error below 1e-4; 0 past 16,
 * where it is below 1e-7). Math.exp took half of blend's and guideChroma's time.
 */
function expNeg(x: number): number {
  if (x >= EXP_RANGE) return 0;
  const t = x * EXP_STEPS;
  const k = t | 0;
  const a = EXP_TABLE[k]!;
  return a + (t - k) * (EXP_TABLE[k + 1]! - a);
}

/**
 * Motion compensation of one neighbour: its picture moved onto the current frame by the
 * block vectors (luma bicubic, which keeps detail; chroma bilinear), and its squared
 * difference to the current frame (luma, and chroma twice over), into `pred` and `diff2`.
 * Every array in `memory` (a SimdArena's).
 */
export function warp(memory: WebAssembly.Memory, cur: Planes, ref: Planes, vectors: Float32Array, width: number, height: number, pred: Planes, diff2: Float32Array, first: number, end: number): void {
  simd(memory).warp(
    cur.y.byteOffset, cur.cb.byteOffset, cur.cr.byteOffset, ref.y.byteOffset, ref.cb.byteOffset, ref.cr.byteOffset, vectors.byteOffset,
    width, height, pred.y.byteOffset, pred.cb.byteOffset, pred.cr.byteOffset, diff2.byteOffset, Math.floor(first / width), Math.floor(end / width),
  );
}

/**
 * The robust temporal average: each pixel of `cur` with its motion-compensated matches,
 * each weighted by base × exp(−patch difference / h²), the patch difference being the mean
 * squared luma difference over the 3x3 pixels around it, so occlusions, mismatches and
 * detail the match lost fall back to the current frame instead of ghosting or smearing.
 * The matches are `n` entries of `table` (addresses of their Y, Cb, Cr and difference
 * planes), with weights `base`; all in `memory` (a SimdArena's). Writes Y, Cb, Cr to `out`.
 */
export function blend(memory: WebAssembly.Memory, cur: Planes, table: Uint32Array, base: Float32Array, n: number, h2: number, width: number, height: number, out: Planes, first: number, end: number): void {
  simd(memory).blend(cur.y.byteOffset, cur.cb.byteOffset, cur.cr.byteOffset, table.byteOffset, base.byteOffset, n, 1 / h2, width, height, out.y.byteOffset, out.cb.byteOffset, out.cr.byteOffset, Math.floor(first / width), Math.floor(end / width));
}

/** Weight of sample q in the luma- and colour-guided mean at p; the same both ways round. */
function guideWeight(src: PlaneArrays, p: number, q: number, inv: number, invC: number): number {
  const d = src[0][q]! - src[0][p]!;
  const db = src[1][q]! - src[1][p]!;
  const dr = src[2][q]! - src[2][p]!;
  return expNeg(d * d * inv + (db * db + dr * dr) * invC);
}

/** Weights from each sample of row r to the samples 2 rows down: 2 left, below, 2 right, at [x], [width + x], [2·width + x]. */
function weightsDown(src: PlaneArrays, r: number, width: number, inv: number, invC: number, w: Float64Array): void {
  const row = r * width;
  const below = row + 2 * width;
  for (let x = 0; x < width; x++) {
    if (x >= 2) w[x] = guideWeight(src, row + x, below + x - 2, inv, invC);
    w[width + x] = guideWeight(src, row + x, below + x, inv, invC);
    if (x + 2 < width) w[2 * width + x] = guideWeight(src, row + x, below + x + 2, inv, invC);
  }
}

/**
 * Chroma cleaned under the guidance of luma: each chroma sample becomes a weighted mean of
 * its 5x5 neighbourhood (every other sample), weighted by how alike the luma and the colour
 * are, so 4:2:0 blotches, mosquito colour and bleeding go while colour edges stay.
 * Reads `src`, writes rgb48.
 */
export function guideChroma(srcPlanes: Planes, sigma: number, sigmaC: number, width: number, height: number, rgb: Uint16Array, first: number, end: number): void {
  const src = arrays(srcPlanes);
  const [srcY, srcCb, srcCr] = src;
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const inv = sigma > 0 ? 1 / (2 * sigma * sigma) : 0;
  const invC = sigmaC > 0 ? 1 / (2 * sigmaC * sigmaC) : 0;
  // Each pair's weight is computed once: along the row into `right`, and downwards into a
  // ring of three rows' weightsDown, so row y finds those from row y - 2 still there.
  const right = new Float64Array(width);
  // A literal, not map(): an array that changes map as it fills deoptimises the loop below.
  const down = [new Float64Array(3 * width), new Float64Array(3 * width), new Float64Array(3 * width)];
  if (sigma > 0) for (let r = Math.max(0, y0 - 2); r < y0; r++) if (r + 2 < height) weightsDown(src, r, width, inv, invC, down[r % 3]!);
  for (let y = y0; y < y1; y++) {
    const up = down[(y + 1) % 3]!;
    const here = down[y % 3]!;
    const row = y * width;
    if (sigma > 0) {
      if (y + 2 < height) weightsDown(src, y, width, inv, invC, here);
      for (let x = 0; x + 2 < width; x++) right[x] = guideWeight(src, row + x, row + x + 2, inv, invC);
    }
    for (let x = 0; x < width; x++) {
      const p = row + x;
      const l = srcY[p]!;
      let cb = srcCb[p]!;
      let cr = srcCr[p]!;
      if (sigma > 0) {
        let scb = 2 * cb;
        let scr = 2 * cr;
        let sw = 2;
        const west = x >= 2;
        const east = x + 2 < width;
        // Neighbours in reading order; each weight is the one stored for that pair.
        if (y >= 2) {
          const q = p - 2 * width;
          if (west) {
            const w = up[2 * width + x - 2]!;
            scb += w * srcCb[q - 2]!;
            scr += w * srcCr[q - 2]!;
            sw += w;
          }
          const w = up[width + x]!;
          scb += w * srcCb[q]!;
          scr += w * srcCr[q]!;
          sw += w;
          if (east) {
            const w = up[x + 2]!;
            scb += w * srcCb[q + 2]!;
            scr += w * srcCr[q + 2]!;
            sw += w;
          }
        }
        if (west) {
          const w = right[x - 2]!;
          scb += w * srcCb[p - 2]!;
          scr += w * srcCr[p - 2]!;
          sw += w;
        }
        if (east) {
          const w = right[x]!;
          scb += w * srcCb[p + 2]!;
          scr += w * srcCr[p + 2]!;
          sw += w;
        }
        if (y + 2 < height) {
          const q = p + 2 * width;
          if (west) {
            const w = here[x]!;
            scb += w * srcCb[q - 2]!;
            scr += w * srcCr[q - 2]!;
            sw += w;
          }
          const w = here[width + x]!;
          scb += w * srcCb[q]!;
          scr += w * srcCr[q]!;
          sw += w;
          if (east) {
            const w = here[2 * width + x]!;
            scb += w * srcCb[q + 2]!;
            scr += w * srcCr[q + 2]!;
            sw += w;
          }
        }
        cb = scb / sw;
        cr = scr / sw;
      }
      const r = l + cr / CR_SCALE;
      const b = l + cb / CB_SCALE;
      const g = (l - KR * r - KB * b) / KG;
      const i = 3 * p;
      rgb[i] = to16(r);
      rgb[i + 1] = to16(g);
      rgb[i + 2] = to16(b);
    }
  }
}

/**
 * A block with at most this many AC coefficients above the threshold is flat: a sky, a wall,
 * where what remains is codec noise and block edges, not detail. There dctShrink's `flat`
 * threshold applies (measured on the quality clips: locked-off blockiness -25% -> -37%, grain
 * +0.12 dB, nothing below -0.005 dB; with 10, fine detail on the zoom lost 0.01 dB).
 */
const FLAT_SURVIVORS = 5;
/** Block shifts used by dctShrink, by how many are asked for (1, 2, 4 or 8); off the codec grid, so they add no steps on it. */
const SHIFTS: number[][] = [[1, 1], [5, 5], [3, 7], [7, 3], [1, 5], [5, 1], [3, 3], [7, 7]];

/** Coefficients (vertical frequency first) dctNoise reads: the highest frequencies. */
const NOISE_COEFFICIENTS = [55, 62, 63, 47, 61, 59];

/**
 * Noise level of a plane: the median absolute value of the highest-frequency DCT
 * coefficients of (a sample of) its 8x8 blocks over 0.6745, i.e. the noise σ for white noise.
 */
export function dctNoise(plane: Float32Array, width: number, height: number): number {
  const b = new Float64Array(64);
  const values: number[] = [];
  const stride = Math.max(1, Math.floor(Math.sqrt(((width >> 3) * (height >> 3)) / 600)));
  for (let by = 0; by + 8 <= height; by += 8 * stride) {
    for (let bx = 0; bx + 8 <= width; bx += 8 * stride) {
      fdct8x8(plane, by * width + bx, width, b);
      for (const k of NOISE_COEFFICIENTS) values.push(Math.abs(b[k]!) / DCT_SCALE[k]!);
    }
  }
  values.sort((a, c) => a - c);
  return (values[values.length >> 1] ?? 0) / 0.6745;
}

/**
 * Shifted-block DCT shrinkage of a plane (the idea of ffmpeg's spp): for each of `shifts`
 * grid offsets, every 8x8 block's DCT coefficients below `threshold` are dropped (a soft
 * knee above it), or below `flat` in a flat block (FLAT_SURVIVORS), and the blocks'
 * reconstructions are averaged per pixel. Reads `src`, writes the band's rows of `dst`.
 */
export function dctShrink(src: Float32Array, dst: Float32Array, width: number, height: number, threshold: number, shifts: number, flat: number, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const b = new Float64Array(64);
  const pad = new Float32Array(64);
  // Thresholds in fdct8x8's scale; the inverse's 1/64 and the mean over the shifts (every
  // shift's blocks tile the plane, so each pixel gets exactly `shifts` of them) go in `gain`.
  const low = new Float64Array(64);
  const knee = new Float64Array(64);
  const gain = 1 / (64 * shifts);
  for (let k = 0; k < 64; k++) {
    low[k] = threshold * threshold * DCT_SCALE[k]! * DCT_SCALE[k]!;
    knee[k] = gain / (3 * low[k]!);
  }
  dst.fill(0, first, end);
  for (let s = 0; s < shifts; s++) {
    const [sx, sy] = SHIFTS[s]!;
    // Blocks start at sy - 8 + 8k, the first one covering y0; border pixels are replicated.
    for (let oy = sy - 8 + 8 * Math.floor((y0 - sy + 8) / 8); oy < y1; oy += 8) {
      const inside = oy >= 0 && oy + 8 <= height;
      const whole = oy >= y0 && oy + 8 <= y1;
      for (let ox = sx - 8; ox < width; ox += 8) {
        const interior = ox >= 0 && ox + 8 <= width;
        if (inside && interior) {
          fdct8x8(src, oy * width + ox, width, b);
        } else {
          for (let y = 0; y < 8; y++) {
            const row = Math.min(height - 1, Math.max(0, oy + y)) * width;
            for (let x = 0; x < 8; x++) pad[y * 8 + x] = src[row + Math.min(width - 1, Math.max(0, ox + x))]!;
          }
          fdct8x8(pad, 0, 8, b);
        }
        let ac = false;
        let scale = 1;
        if (flat > threshold) {
          let survivors = 0;
          for (let k = 1; k < 64; k++) if (b[k]! * b[k]! >= low[k]!) survivors++;
          if (survivors <= FLAT_SURVIVORS) scale = (flat / threshold) ** 2;
        }
        for (let k = 1; k < 64; k++) {
          const c = b[k]!;
          const c2 = c * c;
          const t = low[k]! * scale;
          // Hard threshold with a short knee: keeps strong coefficients exactly.
          if (c2 < t) {
            b[k] = 0;
          } else {
            b[k] = c2 < 4 * t ? (c * (c2 - t) * knee[k]!) / scale : c * gain;
            ac = true;
          }
        }
        const dc = b[0]! * gain;
        if (whole && interior) {
          const at = oy * width + ox;
          if (ac) {
            b[0] = dc;
            idct8x8Add(b, dst, at, width);
          } else {
            // A flat block: its reconstruction is its DC everywhere.
            for (let y = 0; y < 8; y++) {
              const row = at + y * width;
              for (let x = 0; x < 8; x++) dst[row + x] += dc;
            }
          }
          continue;
        }
        b[0] = dc;
        pad.fill(0);
        idct8x8Add(b, pad, 0, 8);
        for (let y = Math.max(oy, y0); y < Math.min(oy + 8, y1); y++) {
          for (let x = Math.max(ox, 0); x < Math.min(ox + 8, width); x++) dst[y * width + x] += pad[(y - oy) * 8 + x - ox]!;
        }
      }
    }
  }
}
