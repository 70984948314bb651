// Temporal stability for frame-by-frame super-resolution. A network invents detail, and a tiny
// change in its input (sensor noise, a codec's requantisation) can change what it invents, so
// a locked-off shot shimmers. Here, block by block in the input, the change since the previous
// frame is compared with the frame's own noise level:
//   - where the input did not change beyond noise, the previous output is kept and only the
//     input's change (smoothly upsampled) is added to it, so the invented detail stays put
//     while brightness still follows the picture (fades, slow light changes);
//   - where it changed clearly (motion, a cut), the new output is used;
//   - in between, the two are blended by the amount of change.
// The blend weight is interpolated between block centres, so no block edge shows.
import type { Planar } from '../models/tiling.js';
import { sampleAxis } from './upscale-resample.js';

export interface StabilizerOptions {
  /** Block size in input pixels (default 8). */
  block?: number;
  /** Change below `low` (in 0..1 units, mean absolute per pixel) keeps the old detail, above `high` takes the new. */
  low?: number;
  high?: number;
}

/** Noise threshold bounds: never below a quarter of an 8-bit step, never so high that real motion counts as noise. */
const FLOOR = 0.75 / 255;
const CAP = 2 / 255;

function luma(image: Planar): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(plane);
  const d = image.data;
  for (let p = 0; p < plane; p++) out[p] = 0.2126 * d[p]! + 0.7152 * d[plane + p]! + 0.0722 * d[2 * plane + p]!;
  return out;
}

/** Mean absolute luma change per block. */
export function blockChange(a: Float32Array, b: Float32Array, width: number, height: number, block: number): { values: Float32Array; cols: number; rows: number } {
  const cols = Math.ceil(width / block);
  const rows = Math.ceil(height / block);
  const sums = new Float64Array(cols * rows);
  const counts = new Uint32Array(cols * rows);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / block) * cols;
    for (let x = 0; x < width; x++) {
      const i = row + Math.floor(x / block);
      sums[i] += Math.abs(a[y * width + x]! - b[y * width + x]!);
      counts[i]++;
    }
  }
  return { values: Float32Array.from(sums, (s, i) => s / counts[i]!), cols, rows };
}

/**
 * The change threshold for a frame: the 25th percentile of block changes is the noise level
 * when at least a quarter of the picture holds still (or is flat); bounded so that motion over
 * texture always counts as change.
 */
export function noiseThreshold(changes: Float32Array): number {
  const sorted = Float32Array.from(changes).sort();
  const p25 = sorted[Math.floor((sorted.length - 1) * 0.25)] ?? 0;
  return Math.min(CAP, Math.max(FLOOR, 1.5 * p25));
}

/** Weight of the new output per block: 0 below `low`, 1 above `high`, smooth between. */
export function newDetailWeights(changes: Float32Array, low: number, high: number): Float32Array {
  return changes.map((c) => {
    const t = Math.min(1, Math.max(0, (c - low) / (high - low)));
    return t * t * (3 - 2 * t);
  });
}

export class DetailStabilizer {
  private previousInput: Planar | undefined;
  private previousLuma: Float32Array | undefined;
  private previousOutput: Float32Array | undefined;
  private readonly block: number;

  constructor(
    private readonly scale: number,
    private readonly options: StabilizerOptions = {},
  ) {
    this.block = options.block ?? 8;
  }

  /** Takes the network's output for `input` and returns the stabilised output (in `output`'s memory). */
  apply(input: Planar, output: Planar): Planar {
    const y = luma(input);
    const prevIn = this.previousInput;
    const prevOut = this.previousOutput;
    if (prevIn && prevOut && this.previousLuma && prevIn.width === input.width && prevIn.height === input.height) {
      const { values, cols, rows } = blockChange(y, this.previousLuma, input.width, input.height, this.block);
      const low = this.options.low ?? noiseThreshold(values);
      const high = this.options.high ?? 3 * low;
      this.blend(input, prevIn, output, prevOut, newDetailWeights(values, low, high), cols, rows);
    }
    this.previousInput = { ...input, data: input.data.slice() };
    this.previousLuma = y;
    this.previousOutput = output.data.slice();
    return output;
  }

  /** out = w * new + (1 - w) * (previous output + upsampled input change), w bilinear between block centres. */
  private blend(input: Planar, prevIn: Planar, output: Planar, prevOut: Float32Array, weights: Float32Array, cols: number, rows: number): void {
    const { width, height } = input;
    const s = this.scale;
    const W = output.width;
    const H = output.height;
    const inPlane = width * height;
    const outPlane = W * H;
    const out = output.data;
    // Input pixels (bilinear change) and block centres (bilinear weight) under each output pixel.
    const ax = sampleAxis(W, width, s);
    const ay = sampleAxis(H, height, s);
    const bx = sampleAxis(W, cols, s * this.block);
    const by = sampleAxis(H, rows, s * this.block);
    const cur = input.data;
    const old = prevIn.data;
    for (let Y = 0; Y < H; Y++) {
      const r0 = ay.i0[Y]! * width;
      const r1 = ay.i1[Y]! * width;
      const fy = ay.f[Y]!;
      const w0 = by.i0[Y]! * cols;
      const w1 = by.i1[Y]! * cols;
      const gy = by.f[Y]!;
      for (let X = 0; X < W; X++) {
        const gx = bx.f[X]!;
        const top = weights[w0 + bx.i0[X]!]! * (1 - gx) + weights[w0 + bx.i1[X]!]! * gx;
        const bottom = weights[w1 + bx.i0[X]!]! * (1 - gx) + weights[w1 + bx.i1[X]!]! * gx;
        const w = top * (1 - gy) + bottom * gy;
        if (w >= 1) continue;
        const x0 = ax.i0[X]!;
        const x1 = ax.i1[X]!;
        const fx = ax.f[X]!;
        const o = Y * W + X;
        for (let c = 0; c < 3; c++) {
          const base = c * inPlane;
          const d00 = cur[base + r0 + x0]! - old[base + r0 + x0]!;
          const d01 = cur[base + r0 + x1]! - old[base + r0 + x1]!;
          const d10 = cur[base + r1 + x0]! - old[base + r1 + x0]!;
          const d11 = cur[base + r1 + x1]! - old[base + r1 + x1]!;
          const change = (d00 * (1 - fx) + d01 * fx) * (1 - fy) + (d10 * (1 - fx) + d11 * fx) * fy;
          const i = c * outPlane + o;
          out[i] = w * out[i]! + (1 - w) * (prevOut[i]! + change);
        }
      }
    }
  }
}
