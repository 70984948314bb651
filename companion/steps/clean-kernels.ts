// Pixel kernels of the clean step, run on the worker pool by row bands (steps/clean.ts
// drives them). Every kernel is a plain function over shared typed arrays: it reads what
// it likes and writes only the rows [first, end) of its band (in pixels, whole rows), or,
// for the block kernels, only the blocks whose top row lies in the band, so bands never
// race. Planes are float32 in 8-bit units (0..255) so thresholds read like 8-bit codes.
// The heavy kernels are WebAssembly SIMD (../simd/assembly/): their entries here pass the
// addresses of arrays in a SimdArena's memory.

import { simd } from '../simd/kernels.js';
import { DCT_SCALE, fdct8x8 } from './clean-dct.js';

const TO_16BIT = 65535 / 255;
// BT.709, full range: what the pipeline decodes to and what encoders expect back.
const KR = 0.2126;
const KB = 0.0722;
const KG = 1 - KR - KB;
const CB_SCALE = 1 / (2 * (1 - KB));
const CR_SCALE = 1 / (2 * (1 - KR));

/**
 * rgb48 interleaved → Y, Cb, Cr float planes (Cb/Cr centred on 0), by way of `staging`
 * (in `memory` with the planes, where the kernel reaches it): the band's pixels are copied there first.
 */
export function rgbToYcc(memory: WebAssembly.Memory, rgb: Uint16Array, staging: Uint16Array, y: Float32Array, cb: Float32Array, cr: Float32Array, first: number, end: number): void {
  staging.set(rgb.subarray(3 * first, 3 * end), 3 * first);
  simd(memory).rgbToYcc(staging.byteOffset, y.byteOffset, cb.byteOffset, cr.byteOffset, first, end);
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

/**
 * How blocky a plane is along one axis (`horizontal`: steps between columns). For each
 * phase 0..7 of an 8-pixel grid: how often the step across that phase is a local peak
 * (larger than the steps beside it, and small enough to be quantisation), and the mean of
 * those peaks beyond their neighbours. Returns [peaks ×8, excess sum ×8, samples ×8] so
 * bands can be added up. Strong picture edges do not count, so a grid is found even on
 * pictures with regular structure.
 */
export function gridSteps(memory: WebAssembly.Memory, plane: Float32Array, width: number, height: number, horizontal: boolean, out: Float64Array, first: number, end: number): number[] {
  simd(memory).gridSteps(plane.byteOffset, width, height, horizontal ? 1 : 0, out.byteOffset, Math.floor(first / width), Math.floor(end / width));
  return Array.from(out);
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

/**
 * Filters the vertical block edges (steps along rows) of the band's rows, in place: a step
 * that looks like quantisation, not picture (small against the threshold, both sides
 * smooth), is removed as a ramp over 4 pixels each side (2 on the 4-grid), fading out as
 * the step nears the threshold.
 */
export function deblockRows(memory: WebAssembly.Memory, p: Planes, width: number, d: DeblockParams, first: number, end: number): void {
  simd(memory).deblockRows(p.y.byteOffset, p.cb.byteOffset, p.cr.byteOffset, width, d.phaseX, d.t8, d.t4, d.tc, Math.floor(first / width), Math.floor(end / width));
}

/**
 * Filters the horizontal block edges of one grid (`four`: the 4-grid between 8-grid edges),
 * in place. An edge belongs to the band that holds its first row below.
 */
export function deblockColumns(memory: WebAssembly.Memory, p: Planes, width: number, height: number, d: DeblockParams, four: boolean, first: number, end: number): void {
  simd(memory).deblockColumns(
    p.y.byteOffset, p.cb.byteOffset, p.cr.byteOffset, width, height, d.phaseY, d.t8, d.t4, d.tc, four ? 1 : 0, Math.floor(first / width), Math.floor(end / width),
  );
}

/** A frame's luma at full, half and quarter resolution (box-filtered), for motion search. */
export interface Pyramid {
  y: Float32Array;
  /** The full level as 16 × each sample, rounded, 0..4095. */
  yu: Uint16Array;
  /** The half level as 16 × each 2x2 mean (4 × its sum), rounded, 0..4095. */
  y1: Uint16Array;
  /** The quarter level as 4x4 sums, rounded, 0..4095. */
  y2: Uint16Array;
}

/** Fills the u16 full, the half and the quarter levels for the band's rows (a coarse row belongs to the band of its first full row). */
export function buildPyramid(memory: WebAssembly.Memory, p: Pyramid, width: number, height: number, first: number, end: number): void {
  simd(memory).buildPyramid(p.y.byteOffset, p.yu.byteOffset, p.y1.byteOffset, p.y2.byteOffset, width, height, Math.floor(first / width), Math.floor(end / width));
}

/**
 * Block motion from `cur` to `ref`: a coarse full search on the quarter level around zero
 * and around `pred` × `scale` (the field of a related pair, or null), refined on the half
 * level, then per 8x8 block on full resolution with a sub-pixel parabola fit; `search` is the
 * quarter level's range, and 0 (with a `pred`) refines each block's predicted vector at full
 * resolution only. Writes (dx, dy) per 8x8 block to `out`. A band owns the 16x16 block rows
 * whose top row lies in it. Every array in `memory`.
 */
export function estimateMotion(
  memory: WebAssembly.Memory, cur: Pyramid, ref: Pyramid, width: number, height: number,
  pred: Float32Array | null, scale: number, out: Float32Array, search: number, first: number, end: number,
): void {
  simd(memory).estimateMotion(
    cur.yu.byteOffset, cur.y1.byteOffset, cur.y2.byteOffset, ref.yu.byteOffset, ref.y1.byteOffset, ref.y2.byteOffset, width, height,
    pred ? pred.byteOffset : 0, scale, out.byteOffset, search, Math.floor(first / width), Math.floor(end / width),
  );
}

/** The colour planes of one frame. */
export interface Planes {
  y: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

/**
 * Motion compensation of one neighbour: its picture moved onto the current frame by the
 * block vectors (luma bicubic, which keeps detail; chroma bilinear), and its squared
 * difference to the current frame (luma, and chroma twice over), into `pred` and `diff2`.
 * `places` is the band's own scratch, 8 floats per block of a row. Every array in `memory`
 * (a SimdArena's).
 */
export function warp(
  memory: WebAssembly.Memory, cur: Planes, ref: Planes, vectors: Float32Array, width: number, height: number, pred: Planes, diff2: Float32Array,
  first: number, end: number, places: Float32Array,
): void {
  simd(memory).warp(
    cur.y.byteOffset, cur.cb.byteOffset, cur.cr.byteOffset, ref.y.byteOffset, ref.cb.byteOffset, ref.cr.byteOffset, vectors.byteOffset,
    width, height, pred.y.byteOffset, pred.cb.byteOffset, pred.cr.byteOffset, diff2.byteOffset, places.byteOffset, Math.floor(first / width), Math.floor(end / width),
  );
}

/**
 * The robust temporal average: each pixel of `cur` with its motion-compensated matches,
 * each weighted by base × exp(−patch difference / h²), the patch difference being the mean
 * squared luma difference over the 3x3 pixels around it, so occlusions, mismatches and
 * detail the match lost fall back to the current frame instead of ghosting or smearing.
 * The matches are `n` entries of `table` (addresses of their Y, Cb, Cr and difference
 * planes), with weights `base`; all in `memory` (a SimdArena's). Writes Y, Cb, Cr to `out`,
 * summing the weights in `sums` (a plane of scratch).
 */
export function blend(
  memory: WebAssembly.Memory, cur: Planes, table: Uint32Array, base: Float32Array, n: number, h2: number, width: number, height: number, out: Planes, sums: Float32Array,
  first: number, end: number,
): void {
  simd(memory).blend(
    cur.y.byteOffset, cur.cb.byteOffset, cur.cr.byteOffset, table.byteOffset, base.byteOffset, n, 1 / h2, width, height,
    out.y.byteOffset, out.cb.byteOffset, out.cr.byteOffset, sums.byteOffset, Math.floor(first / width), Math.floor(end / width),
  );
}

/**
 * Chroma cleaned under the guidance of luma: each chroma sample becomes a weighted mean of
 * its 5x5 neighbourhood (every other sample), weighted by how alike the luma and the colour
 * are, so 4:2:0 blotches, mosquito colour and bleeding go while colour edges stay.
 * Reads `src`, writes rgb48 into `staging` (in `memory`, where the kernel can reach it)
 * and copies the band's rows on to `rgb`. `weights` is the band's own scratch
 * (guideChromaScratch floats).
 */
export function guideChroma(
  memory: WebAssembly.Memory, src: Planes, sigma: number, sigmaC: number, width: number, height: number, staging: Uint16Array, rgb: Uint16Array,
  first: number, end: number, weights: Float32Array,
): void {
  const inv = sigma > 0 ? 1 / (2 * sigma * sigma) : 0;
  const invC = sigmaC > 0 ? 1 / (2 * sigmaC * sigmaC) : 0;
  simd(memory).guideChroma(
    src.y.byteOffset, src.cb.byteOffset, src.cr.byteOffset, inv, invC, width, height, staging.byteOffset, weights.byteOffset, Math.floor(first / width), Math.floor(end / width),
  );
  rgb.set(staging.subarray(3 * first, 3 * end), 3 * first);
}

/** Floats of guideChroma's scratch for a picture `width` wide: a vector, then 13 rows of weights (as chroma.ts lays them out). */
export const guideChromaScratch = (width: number): number => 4 + 13 * ((width + 11) & ~3);

/** Median of about 4096 samples spread over the array. */
export function sampledMedian(values: Float32Array): number {
  const step = Math.max(1, Math.floor(values.length / 4096));
  const picked = new Float32Array(Math.ceil(values.length / step));
  for (let i = 0, j = 0; i < values.length; i += step, j++) picked[j] = values[i]!;
  picked.sort();
  return picked[picked.length >> 1] ?? 0;
}

/** Coefficients (vertical frequency first) dctNoise reads: the highest frequencies. */
const NOISE_COEFFICIENTS = [55, 62, 63, 47, 61, 59];

/**
 * Noise level of a plane: the median absolute value of the highest-frequency DCT
 * coefficients of (a sample of) its 8x8 blocks over 0.6745, i.e. the noise σ for white noise.
 */
export function dctNoise(plane: Float32Array, width: number, height: number): number {
  const b = new Float64Array(64);
  const stride = Math.max(1, Math.floor(Math.sqrt(((width >> 3) * (height >> 3)) / 600)));
  // A typed array sorts by value without a comparator, in half the time of an array's sort.
  const values = new Float64Array(Math.ceil(height / (8 * stride)) * Math.ceil(width / (8 * stride)) * NOISE_COEFFICIENTS.length);
  let n = 0;
  for (let by = 0; by + 8 <= height; by += 8 * stride) {
    for (let bx = 0; bx + 8 <= width; bx += 8 * stride) {
      fdct8x8(plane, by * width + bx, width, b);
      for (const k of NOISE_COEFFICIENTS) values[n++] = Math.abs(b[k]!) / DCT_SCALE[k]!;
    }
  }
  const sorted = values.subarray(0, n).sort();
  return (sorted[n >> 1] ?? 0) / 0.6745;
}

/**
 * Shifted-block DCT shrinkage of a plane (the idea of ffmpeg's spp): for each of `shifts`
 * grid offsets, every 8x8 block's DCT coefficients below `threshold` are dropped (a soft
 * knee above it), or below `flat` in a flat block (few coefficients above `threshold`), and
 * the blocks' reconstructions are averaged per pixel. Reads `src`, writes the band's rows of
 * `dst`, working in `block` (64 floats of the band's own); all in `memory`.
 */
export function dctShrink(
  memory: WebAssembly.Memory, src: Float32Array, dst: Float32Array, width: number, height: number, threshold: number, shifts: number, flat: number,
  first: number, end: number, block: Float32Array,
): void {
  simd(memory).dctShrink(src.byteOffset, dst.byteOffset, block.byteOffset, width, height, threshold, shifts, flat, Math.floor(first / width), Math.floor(end / width));
}
