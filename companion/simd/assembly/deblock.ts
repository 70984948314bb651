// Deblocking on the codec's block grid (see steps/clean-kernels.ts, deblockRows and
// deblockColumns). A step across a block edge that looks like quantisation, not picture
// (small against t, both sides smooth), is taken out as a linear ramp over `reach` samples
// each side, fading as the step nears t. Four edges at a time: four neighbouring columns
// along a horizontal edge; four rows for the vertical edges, gathered a lane per row.

/**
 * The ramp's height at four edges from the samples p2 p1 p0 | q0 q1 q2 across them; 0 where
 * the step is not quantisation: under ¼ or at least t, or sides rougher than `flat`.
 */
@inline
function correction(p2: v128, p1: v128, p0: v128, q0: v128, q1: v128, q2: v128, t: v128, flat: v128): v128 {
  // The step beyond what the slopes either side would predict.
  const step = f32x4.sub(f32x4.sub(q0, p0), f32x4.mul(f32x4.splat(0.5), f32x4.add(f32x4.sub(p0, p1), f32x4.sub(q1, q0))));
  const mag = f32x4.abs(step);
  const rough = f32x4.add(
    f32x4.add(f32x4.add(f32x4.abs(f32x4.sub(p0, p1)), f32x4.abs(f32x4.sub(q1, q0))), f32x4.abs(f32x4.sub(p2, p1))),
    f32x4.abs(f32x4.sub(q2, q1)),
  );
  const ok = v128.and(v128.and(f32x4.ge(mag, f32x4.splat(0.25)), f32x4.lt(mag, t)), f32x4.le(rough, flat));
  const one = f32x4.splat(1);
  const k = f32x4.mul(f32x4.mul(step, f32x4.sub(one, f32x4.div(mag, t))), f32x4.sub(one, f32x4.div(rough, flat)));
  return v128.and(k, ok);
}

/** Sample j (0 .. 2·reach − 1, from the edge's outermost p sample) of the ramp, per unit of correction: (j + ½) / 2·reach, less 1 on the q side. */
@inline
function ramp(j: i32, reach: i32): v128 {
  return f32x4.splat((<f32>j + 0.5) / <f32>(reach << 1) - <f32>(j >= reach ? 1 : 0));
}

/** Four samples at a, or (lanes 1) one, in every lane. */
@inline
function get(a: usize, lanes: i32): v128 {
  return lanes == 4 ? v128.load(a) : v128.load32_splat(a);
}

@inline
function put(a: usize, v: v128, lanes: i32): void {
  if (lanes == 4) v128.store(a, v);
  else v128.store32_lane(a, v, 0);
}

/** The horizontal edge above the sample at byte address `at`, for `lanes` (4 or 1) columns; rows `s` bytes apart. */
@inline
function acrossRows(at: usize, s: usize, reach: i32, t: v128, flat: v128, lanes: i32): void {
  const k = correction(get(at - 3 * s, lanes), get(at - 2 * s, lanes), get(at - s, lanes), get(at, lanes), get(at + s, lanes), get(at + 2 * s, lanes), t, flat);
  if (!v128.any_true(k)) return;
  for (let j = 0; j < 2 * reach; j++) {
    const a = at + <usize>(j - reach) * s;
    put(a, f32x4.add(get(a, lanes), f32x4.mul(k, ramp(j, reach))), lanes);
  }
}

/** Sample i of each of the four rows r0..r3 (byte addresses), one lane each. */
@inline
function gather(r0: usize, r1: usize, r2: usize, r3: usize, i: isize): v128 {
  const o = i << 2;
  let v = v128.load32_splat(r0 + o);
  v = v128.load32_lane(r1 + o, v, 1);
  v = v128.load32_lane(r2 + o, v, 2);
  return v128.load32_lane(r3 + o, v, 3);
}

/** The vertical edge before sample x of the rows r0..r3; a row given twice gets the same result twice. */
@inline
function acrossColumns(r0: usize, r1: usize, r2: usize, r3: usize, x: isize, reach: i32, t: v128, flat: v128): void {
  const k = correction(
    gather(r0, r1, r2, r3, x - 3), gather(r0, r1, r2, r3, x - 2), gather(r0, r1, r2, r3, x - 1),
    gather(r0, r1, r2, r3, x), gather(r0, r1, r2, r3, x + 1), gather(r0, r1, r2, r3, x + 2), t, flat,
  );
  if (!v128.any_true(k)) return;
  for (let j = 0; j < 2 * reach; j++) {
    const o = <usize>(x + j - reach) << 2;
    const v = f32x4.add(gather(r0, r1, r2, r3, x + j - reach), f32x4.mul(k, ramp(j, reach)));
    v128.store32_lane(r0 + o, v, 0);
    v128.store32_lane(r1 + o, v, 1);
    v128.store32_lane(r2 + o, v, 2);
    v128.store32_lane(r3 + o, v, 3);
  }
}

/** Vertical block edges (steps along rows) of rows [y0, y1), in place: the 8-grid in all three planes, then the luma 4-grid. */
export function deblockRows(
  y: usize, cb: usize, cr: usize, width: i32, phaseX: i32, t8: f32, t4: f32, tc: f32, y0: i32, y1: i32,
): void {
  const vt8 = f32x4.splat(t8);
  const vf8 = f32x4.splat(t8 * 1.5);
  const vt4 = f32x4.splat(t4);
  const vf4 = f32x4.splat(t4 * 1.5);
  const vtc = f32x4.splat(tc);
  const vfc = f32x4.splat(tc * 1.5);
  const row = <usize>width << 2;
  for (let r = y0; r < y1; r += 4) {
    // Rows past the band repeat its last row.
    const o0 = <usize>r * row;
    const o1 = <usize>min(r + 1, y1 - 1) * row;
    const o2 = <usize>min(r + 2, y1 - 1) * row;
    const o3 = <usize>min(r + 3, y1 - 1) * row;
    for (let x = ((phaseX - 4) & 7) + 4; x + 4 <= width; x += 8) {
      if (t8 > 0) acrossColumns(y + o0, y + o1, y + o2, y + o3, x, 4, vt8, vf8);
      if (tc > 0) {
        acrossColumns(cb + o0, cb + o1, cb + o2, cb + o3, x, 4, vtc, vfc);
        acrossColumns(cr + o0, cr + o1, cr + o2, cr + o3, x, 4, vtc, vfc);
      }
    }
    if (t4 > 0) {
      for (let x = (phaseX & 7) + 4; x + 3 <= width; x += 8) {
        if (x >= 3) acrossColumns(y + o0, y + o1, y + o2, y + o3, x, 2, vt4, vf4);
      }
    }
  }
}

/**
 * Horizontal block edges of one grid (`four`: the luma 4-grid between 8-grid edges) whose
 * first row below lies in [y0, y1), in place. An edge reaches at most 4 rows each side, so
 * edges 8 rows apart never touch the same rows.
 */
export function deblockColumns(
  y: usize, cb: usize, cr: usize, width: i32, height: i32, phaseY: i32, t8: f32, t4: f32, tc: f32, four: bool, y0: i32, y1: i32,
): void {
  const row = <usize>width << 2;
  const start = four ? (phaseY & 7) + 4 : ((phaseY - 4) & 7) + 4;
  const t = f32x4.splat(four ? t4 : t8);
  const flat = f32x4.splat((four ? t4 : t8) * 1.5);
  const vtc = f32x4.splat(tc);
  const vfc = f32x4.splat(tc * 1.5);
  const lumaOn = four ? t4 > 0 : t8 > 0;
  const chromaOn = !four && tc > 0;
  for (let e = start; e < y1; e += 8) {
    if (e < y0 || (four ? e < 3 || e + 2 >= height : e + 4 > height)) continue;
    const reach = four ? 2 : 4;
    const at = <usize>e * row;
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      const o = at + (<usize>x << 2);
      if (lumaOn) acrossRows(y + o, row, reach, t, flat, 4);
      if (chromaOn) {
        acrossRows(cb + o, row, 4, vtc, vfc, 4);
        acrossRows(cr + o, row, 4, vtc, vfc, 4);
      }
    }
    for (; x < width; x++) {
      const o = at + (<usize>x << 2);
      if (lumaOn) acrossRows(y + o, row, reach, t, flat, 1);
      if (chromaOn) {
        acrossRows(cb + o, row, 4, vtc, vfc, 1);
        acrossRows(cr + o, row, 4, vtc, vfc, 1);
      }
    }
  }
}
