// exp(−x) for x ≥ 0, four lanes at a time: 2^(−x·log2 e), its integer part put in the
// exponent bits, its fraction by a degree-5 polynomial (relative error below 2e-7).
// Lanes past x ≈ 55 give 2^-80 instead of less: a weight that small counts for nothing, and
// it keeps the products clear of subnormal floats, which the CPU handles 100x slower.

@inline
export function expNeg4(x: v128): v128 {
  const t = f32x4.max(f32x4.mul(x, f32x4.splat(-1.4426950408889634)), f32x4.splat(-80.0));
  const whole = f32x4.floor(t);
  const f = f32x4.sub(t, whole);
  let p = f32x4.splat(1.8775767e-3);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(8.9893397e-3));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(5.5826318e-2));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.4015361e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(6.9315308e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(9.9999994e-1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(whole), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** One lane of expNeg4, for the picture's edge columns. */
@inline
export function expNeg(x: f32): f32 {
  return f32x4.extract_lane(expNeg4(f32x4.splat(x)), 0);
}
