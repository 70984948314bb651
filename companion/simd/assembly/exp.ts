// exp(−x) for x ≥ 0, four lanes at a time, as 2^t with t = −x·log2 e: t's nearest integer
// (by the 1.5·2^23 rounding trick, whose sum also carries that integer in its low bits) goes
// into the exponent bits, the remaining fraction in [−½, ½] through a degree-3 polynomial
// (relative error below 7.5e-5: the exponentials are weights, which need no more). No floor
// or float-to-int conversion: V8 spends several instructions on each.
// Lanes past x ≈ 55 give 2^-80 instead of less: a weight that small counts for nothing, and
// it keeps the products clear of subnormal floats, which the CPU handles 100x slower.

/** −log2 e: scales x for exp2Neg4. */
export const LOG2E: f32 = -1.4426950408889634;

@inline
export function expNeg4(x: v128): v128 {
  return exp2Neg4(f32x4.mul(x, f32x4.splat(LOG2E)));
}

/** 2^t for t ≤ 0 (exp(−x) with x already scaled by −log2 e). */
@inline
export function exp2Neg4(t: v128): v128 {
  const c = f32x4.pmax(t, f32x4.splat(-80.0));
  const magic = f32x4.splat(12582912.0);
  const shifted = f32x4.add(c, magic);
  const f = f32x4.sub(c, f32x4.sub(shifted, magic));
  let p = f32x4.splat(0.05517132207751274);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(0.24261054396629333));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(0.6932609677314758));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(0.9999281167984009));
  const scale = i32x4.shl(i32x4.add(i32x4.sub(shifted, magic), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** One lane of expNeg4, for the picture's edge columns. */
@inline
export function expNeg(x: f32): f32 {
  return f32x4.extract_lane(expNeg4(f32x4.splat(x)), 0);
}
