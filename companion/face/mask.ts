// The soft face mask in canonical-crop space: 1 over the face (brows to chin, cheek to cheek),
// falling smoothly to 0 before the crop's edge, so pasting back never shows the crop's square.
import { TEMPLATE_SIZE } from './align.js';

/** Ellipse in 512-template pixels; it ends 7 px inside the crop's bottom edge. */
const CENTRE = { x: 256, y: 290 };
const RADII = { x: 178, y: 215 };
/** The mask falls from 1 to 0 between these fractions of the ellipse's radius. */
const INNER = 0.7;

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

/** Mask weight at crop pixel (u, v) of a size×size crop. */
export function maskAt(u: number, v: number, size = TEMPLATE_SIZE): number {
  const s = TEMPLATE_SIZE / size;
  const r = Math.hypot((u * s - CENTRE.x) / RADII.x, (v * s - CENTRE.y) / RADII.y);
  return 1 - smoothstep(INNER, 1, r);
}

const cache = new Map<number, Float32Array>();

/** The mask of a size×size crop, row-major (computed once per size). */
export function faceMask(size = TEMPLATE_SIZE): Float32Array {
  let mask = cache.get(size);
  if (!mask) {
    mask = new Float32Array(size * size);
    for (let v = 0; v < size; v++) for (let u = 0; u < size; u++) mask[v * size + u] = maskAt(u, v, size);
    cache.set(size, mask);
  }
  return mask;
}
