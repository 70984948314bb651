// Colour matching of a restored face to the original: per channel, the restored crop's mean
// and standard deviation under the face mask are moved onto the original's (the "AdaIN"
// colour fix), so a network's shift in tone or contrast never shows as a colour jump at the
// mask's edge. The detail the network added stays; only its first two moments move.
import type { Planar } from '../models/tiling.js';

/** A restoration may change contrast at most this much (a broken output cannot blow up). */
const MAX_GAIN = 2;

function moments(data: Float32Array, offset: number, mask: Float32Array): { mean: number; std: number } {
  let w = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i]!;
    if (m <= 0) continue;
    const v = data[offset + i]!;
    w += m;
    sum += m * v;
    sq += m * v * v;
  }
  const mean = w > 0 ? sum / w : 0;
  return { mean, std: w > 0 ? Math.sqrt(Math.max(0, sq / w - mean * mean)) : 0 };
}

/** Rewrites `restored` in place so that each channel's masked mean and std equal `original`'s. */
export function matchColour(restored: Planar, original: Planar, mask: Float32Array): void {
  const plane = restored.width * restored.height;
  if (original.width * original.height !== plane || mask.length !== plane) throw new Error('colour matching needs crops and a mask of one size');
  for (let c = 0; c < 3; c++) {
    const offset = c * plane;
    const r = moments(restored.data, offset, mask);
    const o = moments(original.data, offset, mask);
    const gain = r.std > 1e-6 ? Math.min(MAX_GAIN, Math.max(1 / MAX_GAIN, o.std / r.std)) : 1;
    for (let i = 0; i < plane; i++) restored.data[offset + i] = (restored.data[offset + i]! - r.mean) * gain + o.mean;
  }
}
