// Moving pixels between a frame (16-bit interleaved RGB) and a canonical face crop (float32
// planar RGB in [0, 1]) through an affine map, with bilinear sampling. Coordinates are pixel
// indices: pixel (i, j) sits at the point (i, j) in both spaces.
import type { Frame } from '../steps/step.js';
import { apply, invert, type Affine } from './align.js';
import type { Planar } from '../models/tiling.js';

const MAX = 65535;

/** The size×size crop whose pixel (u, v) shows the frame at toCrop⁻¹(u, v); edges are extended. */
export function warpToCrop(frame: Frame, toCrop: Affine, size: number): Planar {
  const { width, height, data } = frame;
  const toFrame = invert(toCrop);
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  const scale = 1 / MAX;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const x = Math.min(width - 1, Math.max(0, toFrame.a * u + toFrame.b * v + toFrame.c));
      const y = Math.min(height - 1, Math.max(0, toFrame.d * u + toFrame.e * v + toFrame.f));
      const x0 = Math.min(width - 2, Math.floor(x));
      const y0 = Math.min(height - 2, Math.floor(y));
      const fx = x - x0;
      const fy = y - y0;
      const i00 = (y0 * width + x0) * 3;
      const i01 = i00 + 3;
      const i10 = i00 + width * 3;
      const i11 = i10 + 3;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const o = v * size + u;
      for (let c = 0; c < 3; c++) {
        out[c * plane + o] = (data[i00 + c]! * w00 + data[i01 + c]! * w01 + data[i10 + c]! * w10 + data[i11 + c]! * w11) * scale;
      }
    }
  }
  return { data: out, channels: 3, height: size, width: size };
}

/** Bilinear sample of one size×size plane at (u, v), which must lie inside it. */
function sample(plane: Float32Array, offset: number, size: number, u: number, v: number): number {
  const u0 = Math.min(size - 2, Math.floor(u));
  const v0 = Math.min(size - 2, Math.floor(v));
  const fu = u - u0;
  const fv = v - v0;
  const i = offset + v0 * size + u0;
  const top = plane[i]! + (plane[i + 1]! - plane[i]!) * fu;
  const bottom = plane[i + size]! + (plane[i + size + 1]! - plane[i + size]!) * fu;
  return top + (bottom - top) * fv;
}

/** The frame's pixel rectangle [x0, x1) × [y0, y1) covered by the crop's square. */
export function footprint(toCrop: Affine, size: number, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } {
  const toFrame = invert(toCrop);
  const corners = [apply(toFrame, { x: 0, y: 0 }), apply(toFrame, { x: size - 1, y: 0 }), apply(toFrame, { x: 0, y: size - 1 }), apply(toFrame, { x: size - 1, y: size - 1 })];
  return {
    x0: Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x)))),
    y0: Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y)))),
    x1: Math.min(width, Math.ceil(Math.max(...corners.map((p) => p.x))) + 1),
    y1: Math.min(height, Math.ceil(Math.max(...corners.map((p) => p.y))) + 1),
  };
}

/**
 * Adds `weight` × mask × delta (crop space, [0, 1] units) to the frame in place, each frame pixel
 * reading the crop at toCrop(x, y). Pixels whose mask is zero are not touched at all.
 */
export function pasteDelta(frame: Frame, delta: Planar, mask: Float32Array, toCrop: Affine, weight: number): void {
  const size = delta.width;
  const plane = size * size;
  const { width, data } = frame;
  const { x0, y0, x1, y1 } = footprint(toCrop, size, frame.width, frame.height);
  const limit = size - 1;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const u = toCrop.a * x + toCrop.b * y + toCrop.c;
      const v = toCrop.d * x + toCrop.e * y + toCrop.f;
      if (!(u >= 0 && v >= 0 && u <= limit && v <= limit)) continue;
      const m = sample(mask, 0, size, u, v) * weight;
      if (m <= 0) continue;
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const value = data[i + c]! + m * sample(delta.data, c * plane, size, u, v) * MAX;
        data[i + c] = value <= 0 ? 0 : value >= MAX ? MAX : Math.round(value);
      }
    }
  }
}

/** Averages k×k blocks: a crop at 1/k of the size (k must divide it). */
export function downsample(image: Planar, k: number): Planar {
  const { width, height, channels } = image;
  if (width % k !== 0 || height % k !== 0) throw new Error(`${width}x${height} does not divide by ${k}`);
  const w = width / k;
  const h = height / k;
  const out = new Float32Array(channels * w * h);
  const norm = 1 / (k * k);
  for (let c = 0; c < channels; c++) {
    const src = c * width * height;
    const dst = c * w * h;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let dy = 0; dy < k; dy++) {
          const row = src + (y * k + dy) * width + x * k;
          for (let dx = 0; dx < k; dx++) sum += image.data[row + dx]!;
        }
        out[dst + y * w + x] = sum * norm;
      }
    }
  }
  return { data: out, channels, height: h, width: w };
}
