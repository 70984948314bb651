// Clips for measuring the temporal stability of upscaling, made here from the quality
// harness's procedural landscape: a high-resolution original moving (or not) under a camera,
// and the low-resolution clip an upscaler gets (2x2 or 4x4 area average of the original, plus
// fresh sensor-like noise every frame, which is what makes frame-by-frame SR shimmer).
import { landscape } from './quality-clips.js';

export interface TemporalScene {
  name: string;
  /** The original frames at full size (rgb48) and their size. */
  original: Uint16Array[];
  width: number;
  height: number;
  /** The frames the upscaler gets: width/scale x height/scale. */
  small: Uint16Array[];
  scale: number;
}

function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Area average by `scale`, plus Gaussian noise of `sigma` (0..1 units). */
function shrink(frame: Uint16Array, width: number, height: number, scale: number, sigma: number, noise: () => number): Uint16Array {
  const w = width / scale;
  const h = height / scale;
  const out = new Uint16Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = 0; j < scale; j++) for (let i = 0; i < scale; i++) s += frame[((y * scale + j) * width + x * scale + i) * 3 + c]!;
        const v = s / (scale * scale) + sigma * 65535 * noise();
        out[(y * w + x) * 3 + c] = Math.max(0, Math.min(65535, Math.round(v)));
      }
  return out;
}

function crop(image: { width: number; data: Uint16Array }, x0: number, y0: number, width: number, height: number): Uint16Array {
  const out = new Uint16Array(width * height * 3);
  for (let y = 0; y < height; y++) out.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + width) * 3), y * width * 3);
  return out;
}

/**
 * A locked-off shot and a slow pan (one original pixel a frame: half a small pixel at x2) of
 * the same landscape, `width` x `height` originals, noise 1/255 (about what a clean camera
 * file or a decoded AI clip carries).
 */
export function temporalScenes(width: number, height: number, frames: number, scale: number, sigma = 1 / 255): TemporalScene[] {
  const still = landscape(width + frames, height);
  const make = (name: string, step: number, seed: number): TemporalScene => {
    const noise = gaussian(seed);
    const original = Array.from({ length: frames }, (_, t) => crop(still, step * t, 0, width, height));
    return { name, original, width, height, small: original.map((f) => shrink(f, width, height, scale, sigma, noise)), scale };
  };
  return [make('static camera', 0, 1), make('slow pan', 1, 2)];
}
