// The 8x8 DCT of the clean step's shrinkage, factored after Arai, Agui and Nakajima (as in
// libjpeg's float DCT): 5 multiplications per 8 points forward and inverse instead of 32.
// Its coefficients come out scaled (each by DCT_SCALE) and the inverse expects them divided
// by 64, so a caller that thresholds folds both scalings into its own tables.

const C4 = Math.SQRT1_2; // cos(4π/16)
const C6 = Math.cos((6 * Math.PI) / 16);
const C2 = Math.cos((2 * Math.PI) / 16);

/** The factor by which fdct8x8's coefficient k (row-major, vertical frequency first) exceeds the orthonormal DCT's. */
export const DCT_SCALE = new Float64Array(64);
{
  const s = (k: number) => (k === 0 ? 2 * Math.SQRT2 : 4 * Math.cos((k * Math.PI) / 16));
  for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) DCT_SCALE[u * 8 + v] = s(u) * s(v);
}

/** Forward 8-point transform of a[o + i·step], i = 0..7, into b at the same places. */
function fdct8(a: Float32Array | Float64Array, o: number, step: number, b: Float64Array, p: number, pstep: number): void {
  const d0 = a[o]!, d1 = a[o + step]!, d2 = a[o + 2 * step]!, d3 = a[o + 3 * step]!;
  const d4 = a[o + 4 * step]!, d5 = a[o + 5 * step]!, d6 = a[o + 6 * step]!, d7 = a[o + 7 * step]!;
  const t0 = d0 + d7, t7 = d0 - d7, t1 = d1 + d6, t6 = d1 - d6;
  const t2 = d2 + d5, t5 = d2 - d5, t3 = d3 + d4, t4 = d3 - d4;
  // Even part.
  const e10 = t0 + t3, e13 = t0 - t3, e11 = t1 + t2, e12 = t1 - t2;
  b[p] = e10 + e11;
  b[p + 4 * pstep] = e10 - e11;
  const z1 = (e12 + e13) * C4;
  b[p + 2 * pstep] = e13 + z1;
  b[p + 6 * pstep] = e13 - z1;
  // Odd part.
  const o10 = t4 + t5, o11 = t5 + t6, o12 = t6 + t7;
  const z5 = (o10 - o12) * C6;
  const z2 = (C2 - C6) * o10 + z5;
  const z4 = (C2 + C6) * o12 + z5;
  const z3 = o11 * C4;
  const z11 = t7 + z3, z13 = t7 - z3;
  b[p + 5 * pstep] = z13 + z2;
  b[p + 3 * pstep] = z13 - z2;
  b[p + pstep] = z11 + z4;
  b[p + 7 * pstep] = z11 - z4;
}

/** Scaled forward DCT of the 8x8 block at a[o] (row stride `stride`) into b. */
export function fdct8x8(a: Float32Array, o: number, stride: number, b: Float64Array): void {
  for (let r = 0; r < 8; r++) fdct8(a, o + r * stride, 1, b, r * 8, 1);
  for (let c = 0; c < 8; c++) fdct8(b, c, 8, b, c, 8);
}

/** Inverse 8-point transform of b[p + i·pstep] into out[o + i·step], added when `add`. */
function idct8(b: Float64Array, p: number, pstep: number, out: Float32Array | Float64Array, o: number, step: number, add: boolean): void {
  const i0 = b[p]!, i1 = b[p + pstep]!, i2 = b[p + 2 * pstep]!, i3 = b[p + 3 * pstep]!;
  const i4 = b[p + 4 * pstep]!, i5 = b[p + 5 * pstep]!, i6 = b[p + 6 * pstep]!, i7 = b[p + 7 * pstep]!;
  // Even part.
  const e10 = i0 + i4, e11 = i0 - i4, e13 = i2 + i6;
  const e12 = (i2 - i6) * Math.SQRT2 - e13;
  const a0 = e10 + e13, a3 = e10 - e13, a1 = e11 + e12, a2 = e11 - e12;
  // Odd part.
  const z13 = i5 + i3, z10 = i5 - i3, z11 = i1 + i7, z12 = i1 - i7;
  const t7 = z11 + z13;
  const u11 = (z11 - z13) * Math.SQRT2;
  const z5 = (z10 + z12) * (2 * C2);
  const u10 = 2 * (C2 - C6) * z12 - z5;
  const u12 = z5 - 2 * (C2 + C6) * z10;
  const t6 = u12 - t7, t5 = u11 - t6, t4 = u10 + t5;
  if (add) {
    out[o] += a0 + t7;
    out[o + step] += a1 + t6;
    out[o + 2 * step] += a2 + t5;
    out[o + 3 * step] += a3 - t4;
    out[o + 4 * step] += a3 + t4;
    out[o + 5 * step] += a2 - t5;
    out[o + 6 * step] += a1 - t6;
    out[o + 7 * step] += a0 - t7;
  } else {
    out[o] = a0 + t7;
    out[o + step] = a1 + t6;
    out[o + 2 * step] = a2 + t5;
    out[o + 3 * step] = a3 - t4;
    out[o + 4 * step] = a3 + t4;
    out[o + 5 * step] = a2 - t5;
    out[o + 6 * step] = a1 - t6;
    out[o + 7 * step] = a0 - t7;
  }
}

/**
 * Inverse DCT of fdct8x8's coefficients divided by 64 (b, overwritten), added onto the 8x8
 * block at out[o] (row stride `stride`).
 */
export function idct8x8Add(b: Float64Array, out: Float32Array | Float64Array, o: number, stride: number): void {
  for (let c = 0; c < 8; c++) {
    // Columns without AC (most, after thresholding) are flat: skip their transform.
    if (b[c + 8] === 0 && b[c + 16] === 0 && b[c + 24] === 0 && b[c + 32] === 0 && b[c + 40] === 0 && b[c + 48] === 0 && b[c + 56] === 0) {
      const v = b[c]!;
      for (let r = 1; r < 8; r++) b[c + 8 * r] = v;
    } else {
      idct8(b, c, 8, b, c, 8, false);
    }
  }
  for (let r = 0; r < 8; r++) idct8(b, r * 8, 1, out, o + r * stride, 1, true);
}
