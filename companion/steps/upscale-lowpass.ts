// Keeps the network's output true to its input at low frequencies: the output, averaged back
// down to the input's size, should be the input. Where it is not (a brightness or colour bias
// of the network that changes as content moves under it, which shows as flicker on a pan),
// the smoothed difference is upsampled and added back. Detail above the input's resolution,
// what the network is for, is left alone.
import type { Planar } from '../models/tiling.js';
import { addUpsampled } from './upscale-resample.js';

/** Box average of `image` by `scale` (its size must be a multiple). */
export function boxDown(image: Planar, scale: number): Planar {
  const w = image.width / scale;
  const h = image.height / scale;
  const out = new Float32Array(image.channels * w * h);
  const k = 1 / (scale * scale);
  for (let c = 0; c < image.channels; c++) {
    const src = c * image.width * image.height;
    const dst = c * w * h;
    for (let Y = 0; Y < image.height; Y++) {
      const row = dst + Math.floor(Y / scale) * w;
      const line = src + Y * image.width;
      for (let X = 0; X < image.width; X++) out[row + Math.floor(X / scale)]! += image.data[line + X]! * k;
    }
  }
  return { data: out, channels: image.channels, height: h, width: w };
}

/** 3x3 binomial blur ([1 2 1] / 4 each way), edges repeated, in place. */
function blur(image: Planar): void {
  const { width, height, channels, data } = image;
  const line = new Float32Array(Math.max(width, height));
  for (let c = 0; c < channels; c++) {
    const base = c * width * height;
    for (let y = 0; y < height; y++) {
      const o = base + y * width;
      for (let x = 0; x < width; x++) line[x] = data[o + x]!;
      for (let x = 0; x < width; x++) data[o + x] = (line[Math.max(0, x - 1)]! + 2 * line[x]! + line[Math.min(width - 1, x + 1)]!) / 4;
    }
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) line[y] = data[base + y * width + x]!;
      for (let y = 0; y < height; y++) data[base + y * width + x] = (line[Math.max(0, y - 1)]! + 2 * line[y]! + line[Math.min(height - 1, y + 1)]!) / 4;
    }
  }
}

/** Corrects `output` (scale x `input`) in place so that its low frequencies follow the input's. */
export function matchLowFrequencies(input: Planar, output: Planar, scale: number): Planar {
  const residual = boxDown(output, scale);
  for (let i = 0; i < residual.data.length; i++) residual.data[i] = input.data[i]! - residual.data[i]!;
  blur(residual);
  addUpsampled(residual, output, scale);
  return output;
}
