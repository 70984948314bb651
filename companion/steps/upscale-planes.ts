// Frames (RGB48 interleaved, 16-bit full range) to and from the networks' planar float
// tensors (CHW, RGB in [0, 1]).
import type { Planar } from '../models/tiling.js';
import type { Frame } from './step.js';

export function framePlanar(frame: Frame): Planar {
  const { width, height, data } = frame;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  const k = 1 / 65535;
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    out[p] = data[i]! * k;
    out[plane + p] = data[i + 1]! * k;
    out[2 * plane + p] = data[i + 2]! * k;
  }
  return { data: out, channels: 3, height, width };
}

/** Writes a planar image into `frame` (same size), rounded and clamped to [0, 1]. */
export function planarIntoFrame(image: Planar, frame: Frame): void {
  const plane = image.width * image.height;
  const src = image.data;
  const dst = frame.data;
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = src[c * plane + p]!;
      // NaN (a broken network) becomes black rather than poisoning the encoder.
      dst[i + c] = v > 0 ? (v < 1 ? Math.round(v * 65535) : 65535) : 0;
    }
  }
}
