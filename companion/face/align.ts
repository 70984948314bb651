// Face alignment: the similarity transform (rotation, uniform scale, translation) that maps a
// face's five landmarks onto the canonical FFHQ template that GFPGAN and CodeFormer were
// trained on, and the affine maths to go back and forth.

export interface Point {
  x: number;
  y: number;
}

/** Five landmarks, in this order: eye on the image's left, eye on the right, nose tip, mouth corner left, mouth corner right. */
export type FivePoints = [Point, Point, Point, Point, Point];

/** x' = a·x + b·y + c, y' = d·x + e·y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** Side of the canonical crop the template is defined for. */
export const TEMPLATE_SIZE = 512;

/** facexlib's FFHQ template for 512x512 crops (the one GFPGAN v1.4 and CodeFormer use). */
export const FFHQ_TEMPLATE_512: FivePoints = [
  { x: 192.98138, y: 239.94708 },
  { x: 318.90277, y: 240.1936 },
  { x: 256.63416, y: 314.01935 },
  { x: 201.26117, y: 371.41043 },
  { x: 313.08905, y: 371.15118 },
];

export function apply(m: Affine, p: Point): Point {
  return { x: m.a * p.x + m.b * p.y + m.c, y: m.d * p.x + m.e * p.y + m.f };
}

export function invert(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  if (Math.abs(det) < 1e-12) throw new Error('the transform is singular');
  const a = m.e / det;
  const b = -m.b / det;
  const d = -m.d / det;
  const e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

/** `first` then `second`. */
export function compose(second: Affine, first: Affine): Affine {
  return {
    a: second.a * first.a + second.b * first.d,
    b: second.a * first.b + second.b * first.e,
    c: second.a * first.c + second.b * first.f + second.c,
    d: second.d * first.a + second.e * first.d,
    e: second.d * first.b + second.e * first.e,
    f: second.d * first.c + second.e * first.f + second.f,
  };
}

export function scaling(s: number): Affine {
  return { a: s, b: 0, c: 0, d: 0, e: s, f: 0 };
}

/**
 * The least-squares similarity transform taking `from` onto `to` (no reflection): with both
 * point sets centred, the rotation-and-scale [[p, -q], [q, p]] has p = Σ x·y / Σ|x|² and
 * q = Σ x×y / Σ|x|², the translation maps centroid onto centroid.
 */
export function similarity(from: readonly Point[], to: readonly Point[]): Affine {
  if (from.length !== to.length || from.length < 2) throw new Error('a similarity needs two or more matching points');
  const n = from.length;
  const mean = (ps: readonly Point[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / n, y: ps.reduce((s, p) => s + p.y, 0) / n });
  const fc = mean(from);
  const tc = mean(to);
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const x1 = from[i]!.x - fc.x;
    const x2 = from[i]!.y - fc.y;
    const y1 = to[i]!.x - tc.x;
    const y2 = to[i]!.y - tc.y;
    dot += x1 * y1 + x2 * y2;
    cross += x1 * y2 - x2 * y1;
    norm += x1 * x1 + x2 * x2;
  }
  if (norm < 1e-9) throw new Error('the landmarks coincide');
  const p = dot / norm;
  const q = cross / norm;
  return { a: p, b: -q, c: tc.x - (p * fc.x - q * fc.y), d: q, e: p, f: tc.y - (q * fc.x + p * fc.y) };
}

/** Frame → crop transform for a `size`-pixel canonical crop of a face with these landmarks. */
export function alignment(landmarks: readonly Point[], size = TEMPLATE_SIZE): Affine {
  return compose(scaling(size / TEMPLATE_SIZE), similarity(landmarks, FFHQ_TEMPLATE_512));
}

/** Frame pixels per crop pixel (the scale of the crop → frame transform). */
export function frameScale(toCrop: Affine): number {
  return 1 / Math.hypot(toCrop.a, toCrop.d);
}
