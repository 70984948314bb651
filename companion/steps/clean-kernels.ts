// Pixel kernels of the clean step, run on the worker pool by row bands (steps/clean.ts
// drives them). Every kernel is a plain function over shared typed arrays: it reads what
// it likes and writes only the rows [first, end) of its band (in pixels, whole rows), or,
// for the block kernels, only the blocks whose top row lies in the band, so bands never
// race. Planes are float32 in 8-bit units (0..255) so thresholds read like 8-bit codes.

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
  const sums = new Array<number>(24).fill(0);
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
  return sums;
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

function sad8(a: Float32Array, b: Float32Array, stride: number, ia: number, ib: number): number {
  let s = 0;
  for (let r = 0; r < 8; r++) {
    const ra = ia + r * stride;
    const rb = ib + r * stride;
    for (let c = 0; c < 8; c++) s += Math.abs(a[ra + c]! - b[rb + c]!);
  }
  return s;
}

function ssd8(a: Float32Array, b: Float32Array, stride: number, ia: number, ib: number): number {
  let s = 0;
  for (let r = 0; r < 8; r++) {
    const ra = ia + r * stride;
    const rb = ib + r * stride;
    for (let c = 0; c < 8; c++) {
      const d = a[ra + c]! - b[rb + c]!;
      s += d * d;
    }
  }
  return s;
}

const clampInt = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

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
      // Quarter level: 8x8 window centred on the macroblock.
      let vx2 = Math.round(px / 4);
      let vy2 = Math.round(py / 4);
      if (coarse) {
        const ox = clampInt(4 * mx - 2, 0, w2 - 8);
        const oy = clampInt(4 * my - 2, 0, h2 - 8);
        const ia = oy * w2 + ox;
        let best = Infinity;
        let bx = 0;
        let by = 0;
        const centres = pred && (vx2 !== 0 || vy2 !== 0) ? [0, 0, vx2, vy2] : [0, 0];
        for (let c = 0; c < centres.length; c += 2) {
          const cx = centres[c]!;
          const cy = centres[c + 1]!;
          for (let dy = cy - search; dy <= cy + search; dy++) {
            if (oy + dy < 0 || oy + dy > h2 - 8) continue;
            for (let dx = cx - search; dx <= cx + search; dx++) {
              if (ox + dx < 0 || ox + dx > w2 - 8) continue;
              // A small bias to the zero vector keeps flat areas still.
              const s = sad8(cur.y2, ref.y2, w2, ia, ia + dy * w2 + dx) + (dx === 0 && dy === 0 ? 0 : 4);
              if (s < best) {
                best = s;
                bx = dx;
                by = dy;
              }
            }
          }
        }
        vx2 = bx;
        vy2 = by;
      }
      // Half level: 8x8 window on the macroblock, ±1 around the coarse vector.
      let vx1 = 2 * vx2;
      let vy1 = 2 * vy2;
      {
        const ox = clampInt(8 * mx, 0, w1 - 8);
        const oy = clampInt(8 * my, 0, h1 - 8);
        const ia = oy * w1 + ox;
        let best = Infinity;
        let bx = vx1;
        let by = vy1;
        if (w1 >= 8 && h1 >= 8) {
          for (let dy = vy1 - 1; dy <= vy1 + 1; dy++) {
            if (oy + dy < 0 || oy + dy > h1 - 8) continue;
            for (let dx = vx1 - 1; dx <= vx1 + 1; dx++) {
              if (ox + dx < 0 || ox + dx > w1 - 8) continue;
              const s = sad8(cur.y1, ref.y1, w1, ia, ia + dy * w1 + dx);
              if (s < best) {
                best = s;
                bx = dx;
                by = dy;
              }
            }
          }
        }
        vx1 = bx;
        vy1 = by;
      }
      // Full resolution: each 8x8 block, ±1 around the half-level vector, then sub-pixel.
      for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) {
        const bx = 2 * mx + i;
        const by = 2 * my + j;
        if (bx >= bw || by >= bh) continue;
        const ox = Math.min(8 * bx, width - 8);
        const oy = Math.min(8 * by, height - 8);
        const ia = oy * width + ox;
        const cost = (dx: number, dy: number): number =>
          ox + dx < 0 || ox + dx > width - 8 || oy + dy < 0 || oy + dy > height - 8
            ? Infinity
            : ssd8(cur.y, ref.y, width, ia, ia + dy * width + dx);
        let best = Infinity;
        let cx = 2 * vx1;
        let cy = 2 * vy1;
        let fx = cx;
        let fy = cy;
        for (let dy = cy - 1; dy <= cy + 1; dy++) {
          for (let dx = cx - 1; dx <= cx + 1; dx++) {
            const s = cost(dx, dy);
            if (s < best) {
              best = s;
              fx = dx;
              fy = dy;
            }
          }
        }
        // Still areas keep the zero vector (no sub-pixel jitter from noise), unless another
        // match is clearly better.
        const still = cost(0, 0);
        if (best === Infinity || still <= best * 1.1 + 16) {
          fx = 0;
          fy = 0;
          best = still;
          const b = by * bw + bx;
          out[2 * b] = 0;
          out[2 * b + 1] = 0;
          err[b] = best / 64;
          continue;
        }
        let sx = 0;
        let sy = 0;
        const l = cost(fx - 1, fy);
        const r = cost(fx + 1, fy);
        const u = cost(fx, fy - 1);
        const d = cost(fx, fy + 1);
        if (l < Infinity && r < Infinity) {
          const den = l - 2 * best + r;
          if (den > 0) sx = Math.max(-0.5, Math.min(0.5, (l - r) / (2 * den)));
        }
        if (u < Infinity && d < Infinity) {
          const den = u - 2 * best + d;
          if (den > 0) sy = Math.max(-0.5, Math.min(0.5, (u - d) / (2 * den)));
        }
        const b = by * bw + bx;
        out[2 * b] = fx + sx;
        out[2 * b + 1] = fy + sy;
        err[b] = best / 64;
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

export interface FuseParams {
  /** Weight of each neighbour at zero difference (the current frame has 1). */
  base: number[];
  /** Patch squared difference (8-bit units²) at which a neighbour's weight falls to 1/e. */
  h2: number;
}

/** Catmull-Rom weights for a fraction f in [0, 1). */
function cubic(f: number, w: Float64Array): void {
  const f2 = f * f;
  const f3 = f2 * f;
  w[0] = -0.5 * f3 + f2 - 0.5 * f;
  w[1] = 1.5 * f3 - 2.5 * f2 + 1;
  w[2] = -1.5 * f3 + 2 * f2 + 0.5 * f;
  w[3] = 0.5 * f3 - 0.5 * f2;
}

/**
 * Motion compensation of one neighbour: its picture moved onto the current frame by the
 * block vectors (luma bicubic, which keeps detail; chroma bilinear), and its squared
 * difference to the current frame (luma, and chroma twice over), into `pred` and `diff2`.
 */
export function warp(cur: Planes, ref: Planes, vectors: Float32Array, width: number, height: number, pred: Planes, diff2: Float32Array, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const bw = Math.ceil(width / 8);
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const maxX = width - 1.001;
  const maxY = height - 1.001;
  for (let y = y0; y < y1; y++) {
    const brow = (y >> 3) * bw;
    for (let x = 0; x < width; x++) {
      const b = brow + (x >> 3);
      let fx = x + vectors[2 * b]!;
      let fy = y + vectors[2 * b + 1]!;
      fx = fx < 0 ? 0 : fx > maxX ? maxX : fx;
      fy = fy < 0 ? 0 : fy > maxY ? maxY : fy;
      const ix = fx | 0;
      const iy = fy | 0;
      const ax = fx - ix;
      const ay = fy - iy;
      const p = y * width + x;
      let py: number;
      if (ax === 0 && ay === 0) {
        py = ref.y[iy * width + ix]!;
      } else if (ix >= 1 && iy >= 1 && ix + 2 < width && iy + 2 < height) {
        cubic(ax, wx);
        cubic(ay, wy);
        py = 0;
        for (let j = 0; j < 4; j++) {
          const r = (iy - 1 + j) * width + ix - 1;
          py += wy[j]! * (wx[0]! * ref.y[r]! + wx[1]! * ref.y[r + 1]! + wx[2]! * ref.y[r + 2]! + wx[3]! * ref.y[r + 3]!);
        }
      } else {
        const i = iy * width + ix;
        py = (1 - ay) * ((1 - ax) * ref.y[i]! + ax * ref.y[i + 1]!) + ay * ((1 - ax) * ref.y[i + width]! + ax * ref.y[i + width + 1]!);
      }
      const i00 = iy * width + ix;
      const i10 = i00 + width;
      const w00 = (1 - ax) * (1 - ay);
      const w01 = ax * (1 - ay);
      const w10 = (1 - ax) * ay;
      const w11 = ax * ay;
      const pcb = w00 * ref.cb[i00]! + w01 * ref.cb[i00 + 1]! + w10 * ref.cb[i10]! + w11 * ref.cb[i10 + 1]!;
      const pcr = w00 * ref.cr[i00]! + w01 * ref.cr[i00 + 1]! + w10 * ref.cr[i10]! + w11 * ref.cr[i10 + 1]!;
      pred.y[p] = py;
      pred.cb[p] = pcb;
      pred.cr[p] = pcr;
      const d = cur.y[p]! - py;
      const dcb = cur.cb[p]! - pcb;
      const dcr = cur.cr[p]! - pcr;
      // Colour counts too: an edge between two colours of equal luma must not smear.
      diff2[p] = d * d + 2 * (dcb * dcb + dcr * dcr);
    }
  }
}

/**
 * The robust temporal average: each pixel of `cur` with its motion-compensated matches,
 * each weighted by base × exp(−patch difference / h²), the patch difference being the mean
 * squared luma difference over the 3x3 pixels around it, so occlusions, mismatches and
 * detail the match lost fall back to the current frame instead of ghosting or smearing.
 * Writes Y, Cb, Cr to `out`.
 */
export function blend(cur: Planes, preds: Planes[], diffs: Float32Array[], params: FuseParams, width: number, height: number, out: Planes, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const n = preds.length;
  const inv = 1 / params.h2;
  for (let y = y0; y < y1; y++) {
    const up = y > 0 ? -width : 0;
    const down = y + 1 < height ? width : 0;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const left = x > 0 ? -1 : 0;
      const right = x + 1 < width ? 1 : 0;
      let sy = cur.y[p]!;
      let scb = cur.cb[p]!;
      let scr = cur.cr[p]!;
      let sw = 1;
      for (let k = 0; k < n; k++) {
        const d = diffs[k]!;
        const a = p + up;
        const c = p + down;
        const e =
          (d[a + left]! + d[a]! + d[a + right]! + d[p + left]! + d[p]! + d[p + right]! + d[c + left]! + d[c]! + d[c + right]!) * (inv / 9);
        if (e > 6) continue;
        const w = params.base[k]! * Math.exp(-e);
        const q = preds[k]!;
        sy += w * q.y[p]!;
        scb += w * q.cb[p]!;
        scr += w * q.cr[p]!;
        sw += w;
      }
      out.y[p] = sy / sw;
      out.cb[p] = scb / sw;
      out.cr[p] = scr / sw;
    }
  }
}

/**
 * Chroma cleaned under the guidance of luma: each chroma sample becomes a weighted mean of
 * its 5x5 neighbourhood (every other sample), weighted by how alike the luma and the colour
 * are, so 4:2:0 blotches, mosquito colour and bleeding go while colour edges stay.
 * Reads `src`, writes rgb48.
 */
export function guideChroma(src: Planes, sigma: number, sigmaC: number, width: number, height: number, rgb: Uint16Array, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const inv = sigma > 0 ? 1 / (2 * sigma * sigma) : 0;
  const invC = sigmaC > 0 ? 1 / (2 * sigmaC * sigmaC) : 0;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const l = src.y[p]!;
      let cb = src.cb[p]!;
      let cr = src.cr[p]!;
      if (sigma > 0) {
        let scb = 2 * cb;
        let scr = 2 * cr;
        let sw = 2;
        for (let dy = -2; dy <= 2; dy += 2) {
          const yy = y + dy;
          if (yy < 0 || yy >= height) continue;
          for (let dx = -2; dx <= 2; dx += 2) {
            const xx = x + dx;
            if (xx < 0 || xx >= width || (dx === 0 && dy === 0)) continue;
            const q = yy * width + xx;
            const d = src.y[q]! - l;
            const db = src.cb[q]! - cb;
            const dr = src.cr[q]! - cr;
            const w = Math.exp(-d * d * inv - (db * db + dr * dr) * invC);
            scb += w * src.cb[q]!;
            scr += w * src.cr[q]!;
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

// 8-point orthonormal DCT-II basis, row k = frequency k.
const DCT = new Float64Array(64);
for (let k = 0; k < 8; k++) {
  for (let n = 0; n < 8; n++) DCT[k * 8 + n] = (k === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * n + 1) * k * Math.PI) / 16);
}

/** Block shifts used by dctShrink, by how many are asked for (1, 2, 4 or 8); off the codec grid, so they add no steps on it. */
const SHIFTS: number[][] = [[1, 1], [5, 5], [3, 7], [7, 3], [1, 5], [5, 1], [3, 3], [7, 7]];

// The basis is even (k even) or odd (k odd) about the block's middle, so each 8-point
// transform is two 4x4 products on sums and differences: half the multiplications.
const HALF = new Float64Array(32);
for (let k = 0; k < 8; k++) for (let n = 0; n < 4; n++) HALF[k * 4 + n] = DCT[k * 8 + n]!;

/** 8-point forward DCT of src[o + i·step], i = 0..7, into dst at the same places. */
function fdct8(src: Float64Array, dst: Float64Array, o: number, step: number): void {
  const v0 = src[o]!, v1 = src[o + step]!, v2 = src[o + 2 * step]!, v3 = src[o + 3 * step]!;
  const v4 = src[o + 4 * step]!, v5 = src[o + 5 * step]!, v6 = src[o + 6 * step]!, v7 = src[o + 7 * step]!;
  const s0 = v0 + v7, s1 = v1 + v6, s2 = v2 + v5, s3 = v3 + v4;
  const d0 = v0 - v7, d1 = v1 - v6, d2 = v2 - v5, d3 = v3 - v4;
  for (let k = 0; k < 8; k += 2) {
    const h = k * 4;
    dst[o + k * step] = HALF[h]! * s0 + HALF[h + 1]! * s1 + HALF[h + 2]! * s2 + HALF[h + 3]! * s3;
    const g = h + 4;
    dst[o + (k + 1) * step] = HALF[g]! * d0 + HALF[g + 1]! * d1 + HALF[g + 2]! * d2 + HALF[g + 3]! * d3;
  }
}

/** 8-point inverse DCT of src[o + i·step] into dst at the same places. */
function idct8(src: Float64Array, dst: Float64Array, o: number, step: number): void {
  const c0 = src[o]!, c1 = src[o + step]!, c2 = src[o + 2 * step]!, c3 = src[o + 3 * step]!;
  const c4 = src[o + 4 * step]!, c5 = src[o + 5 * step]!, c6 = src[o + 6 * step]!, c7 = src[o + 7 * step]!;
  for (let n = 0; n < 4; n++) {
    const e = HALF[n]! * c0 + HALF[8 + n]! * c2 + HALF[16 + n]! * c4 + HALF[24 + n]! * c6;
    const d = HALF[4 + n]! * c1 + HALF[12 + n]! * c3 + HALF[20 + n]! * c5 + HALF[28 + n]! * c7;
    dst[o + n * step] = e + d;
    dst[o + (7 - n) * step] = e - d;
  }
}

/** 2D forward DCT of an 8x8 block in place, `t` scratch. */
function fdct2(b: Float64Array, t: Float64Array): void {
  for (let r = 0; r < 8; r++) fdct8(b, t, r * 8, 1);
  for (let c = 0; c < 8; c++) fdct8(t, b, c, 8);
}

/** 2D inverse DCT of an 8x8 block in place, `t` scratch. */
function idct2(b: Float64Array, t: Float64Array): void {
  for (let r = 0; r < 8; r++) idct8(b, t, r * 8, 1);
  for (let c = 0; c < 8; c++) idct8(t, b, c, 8);
}

/**
 * Noise level of a plane: the median absolute value of the highest-frequency DCT
 * coefficients of (a sample of) its 8x8 blocks over 0.6745, i.e. the noise σ for white noise.
 */
export function dctNoise(plane: Float32Array, width: number, height: number): number {
  const b = new Float64Array(64);
  const t = new Float64Array(64);
  const values: number[] = [];
  const stride = Math.max(1, Math.floor(Math.sqrt(((width >> 3) * (height >> 3)) / 600)));
  for (let by = 0; by + 8 <= height; by += 8 * stride) {
    for (let bx = 0; bx + 8 <= width; bx += 8 * stride) {
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) b[y * 8 + x] = plane[(by + y) * width + bx + x]!;
      fdct2(b, t);
      for (const k of [55, 62, 63, 47, 61, 59]) values.push(Math.abs(b[k]!));
    }
  }
  values.sort((a, c) => a - c);
  return (values[values.length >> 1] ?? 0) / 0.6745;
}

/**
 * Shifted-block DCT shrinkage of a plane (the idea of ffmpeg's spp): for each of `shifts`
 * grid offsets, every 8x8 block's DCT coefficients below `threshold` are dropped (a soft
 * knee above it), and the blocks' reconstructions are averaged per pixel. Reads `src`,
 * writes the band's rows of `dst`.
 */
export function dctShrink(src: Float32Array, dst: Float32Array, width: number, height: number, threshold: number, shifts: number, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const top = Math.max(0, y0 - 7);
  const rows = Math.min(height, y1 + 7) - top;
  const acc = new Float64Array(rows * width);
  const count = new Float64Array(rows * width);
  const b = new Float64Array(64);
  const t = new Float64Array(64);
  const t2 = threshold * threshold;
  for (let s = 0; s < shifts; s++) {
    const [sx, sy] = SHIFTS[s]!;
    // Blocks start at sy - 8 + 8k, covering every row; border pixels are replicated.
    for (let oy = sy - 8 + 8 * Math.floor((top - sy + 8) / 8); oy < y1; oy += 8) {
      if (oy + 8 <= top) continue;
      for (let ox = sx - 8; ox < width; ox += 8) {
        for (let y = 0; y < 8; y++) {
          const yy = Math.min(height - 1, Math.max(0, oy + y));
          for (let x = 0; x < 8; x++) b[y * 8 + x] = src[yy * width + Math.min(width - 1, Math.max(0, ox + x))]!;
        }
        fdct2(b, t);
        for (let k = 1; k < 64; k++) {
          const c = b[k]!;
          const c2 = c * c;
          // Hard threshold with a short knee: keeps strong coefficients exactly.
          b[k] = c2 < t2 ? 0 : c2 < 4 * t2 ? c * ((c2 - t2) / (3 * t2)) : c;
        }
        idct2(b, t);
        for (let y = 0; y < 8; y++) {
          const yy = oy + y;
          if (yy < top || yy >= top + rows) continue;
          for (let x = 0; x < 8; x++) {
            const xx = ox + x;
            if (xx < 0 || xx >= width) continue;
            const i = (yy - top) * width + xx;
            acc[i] += b[y * 8 + x]!;
            count[i]++;
          }
        }
      }
    }
  }
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y - top) * width + x;
      dst[y * width + x] = count[i]! > 0 ? acc[i]! / count[i]! : src[y * width + x]!;
    }
  }
}
