// Bilinear sampling positions between a coarse grid and a fine one (pixel centres aligned),
// and a bilinear upsampling of planar images built on them.
import type { Planar } from '../models/tiling.js';

export interface SampleAxis {
  /** Per fine coordinate: the two coarse neighbours and the weight of the second. */
  i0: Int32Array;
  i1: Int32Array;
  f: Float32Array;
}

/** Fine coordinate k (0..n-1) sits at coarse (k + 0.5) / factor - 0.5, clamped to the grid of `length`. */
export function sampleAxis(n: number, length: number, factor: number): SampleAxis {
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const f = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const u = Math.min(length - 1, Math.max(0, (k + 0.5) / factor - 0.5));
    i0[k] = Math.floor(u);
    i1[k] = Math.min(length - 1, i0[k]! + 1);
    f[k] = u - i0[k]!;
  }
  return { i0, i1, f };
}

/** Adds the bilinear upsampling (by `scale`) of `coarse` onto `fine`, channel by channel. */
export function addUpsampled(coarse: Planar, fine: Planar, scale: number): void {
  const { width, height, channels } = coarse;
  const W = fine.width;
  const H = fine.height;
  const ax = sampleAxis(W, width, scale);
  const ay = sampleAxis(H, height, scale);
  for (let c = 0; c < channels; c++) {
    const src = coarse.data.subarray(c * width * height, (c + 1) * width * height);
    const dst = fine.data.subarray(c * W * H, (c + 1) * W * H);
    for (let Y = 0; Y < H; Y++) {
      const r0 = ay.i0[Y]! * width;
      const r1 = ay.i1[Y]! * width;
      const fy = ay.f[Y]!;
      for (let X = 0; X < W; X++) {
        const x0 = ax.i0[X]!;
        const x1 = ax.i1[X]!;
        const fx = ax.f[X]!;
        const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * fx;
        const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * fx;
        dst[Y * W + X]! += top + (bottom - top) * fy;
      }
    }
  }
}
