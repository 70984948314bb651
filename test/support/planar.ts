// Test pictures as the networks take them: planar float RGB in [0, 1].
import type { Planar } from '../../companion/models/tiling.js';

/** Smooth ramps in red and green, a slow wave in blue: where a seam or a bias would show. */
export function gradient(width: number, height: number): Planar {
  const data = new Float32Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      data[i] = x / (width - 1);
      data[width * height + i] = y / (height - 1);
      data[2 * width * height + i] = 0.5 + 0.4 * Math.sin((x + y) / 17);
    }
  }
  return { data, channels: 3, height, width };
}
