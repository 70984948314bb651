// Block motion from the current frame to a neighbour (see steps/clean-kernels.ts,
// estimateMotion): a coarse full search on the quarter level around zero and around a
// predicted vector, refined on the half level, then per 8x8 block at full resolution with
// a sub-pixel parabola fit. Every level is u16 (16 × the sample or mean, see pyramid.ts),
// a block row one vector of eight. Whole sums are compared, so the choice is the one an
// early-exit scalar search would make: a candidate it gave up on could not have won.

/**
 * Sum of absolute differences of the u16 8x8 blocks at byte addresses a and b, rows `stride`
 * bytes apart, on the picture's scale (÷16). Eight rows of differences below 4096 add up in
 * u16 lanes without overflow.
 */
@inline
function sad8u(a: usize, b: usize, stride: usize): f32 {
  let s = i16x8.splat(0);
  for (let r = 0; r < 8; r++, a += stride, b += stride) s = i16x8.add(s, absDiff(v128.load(a), v128.load(b)));
  return totalU(s);
}

/** |a − b| per u16 lane (below 4096: the subtraction cannot wrap). */
@inline
function absDiff(a: v128, b: v128): v128 {
  return i16x8.abs(i16x8.sub(a, b));
}

/** The sum of eight u16 lanes, ÷16. */
@inline
function totalU(s: v128): f32 {
  const q = i32x4.extadd_pairwise_i16x8_u(s);
  return <f32>(i32x4.extract_lane(q, 0) + i32x4.extract_lane(q, 1) + i32x4.extract_lane(q, 2) + i32x4.extract_lane(q, 3)) * 0.0625;
}

/** Sum of squared differences of two u16 8x8 blocks, on the f32 levels' scale (÷256). */
@inline
function ssd8u(a: usize, b: usize, stride: usize): f32 {
  let s = i32x4.splat(0);
  for (let r = 0; r < 8; r++, a += stride, b += stride) s = ssdStepU(s, v128.load(a), b);
  return totalI(s);
}

/**
 * acc plus one u16 row's squared differences against the row at b, in i32 lanes: differences
 * below 4096, so a lane takes at most 8 rows × 2 × 4095² < 2³¹.
 */
@inline
function ssdStepU(acc: v128, a: v128, b: usize): v128 {
  const d = i16x8.sub(a, v128.load(b));
  return i32x4.add(acc, i32x4.dot_i16x8_s(d, d));
}

/** The sum of four i32 lanes of u16 squared differences, ÷256. */
@inline
function totalI(s: v128): f32 {
  return <f32>(i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3)) * (1.0 / 256);
}

// The best candidate so far: ties go to the lowest scan index, as a plain scan with `<` would.
let bestS: f32 = Infinity;
let bestX: i32 = 0;
let bestY: i32 = 0;
let bestI: i32 = 0;

@inline
function reset(dx: i32, dy: i32): void {
  bestS = Infinity;
  bestI = i32.MAX_VALUE;
  bestX = dx;
  bestY = dy;
}

@inline
function offer(s: f32, dx: i32, dy: i32, i: i32): void {
  if (s < bestS || (s == bestS && s < Infinity && i < bestI)) {
    bestS = s;
    bestX = dx;
    bestY = dy;
    bestI = i;
  }
}

/** Offers the block at (ox, oy) of `a` moved by (dx, dy) in `b` (a level w x h), if it lies on it. */
function offerSad(a: usize, b: usize, w: i32, h: i32, ox: i32, oy: i32, dx: i32, dy: i32, bias: f32, i: i32): void {
  if (ox + dx < 0 || ox + dx > w - 8 || oy + dy < 0 || oy + dy > h - 8) return;
  offer(sad8u(a + (<usize>(oy * w + ox) << 1), b + (<usize>((oy + dy) * w + ox + dx) << 1), <usize>w << 1) + bias, dx, dy, i);
}

// windowCosts' nine costs, candidate k = 3 (dy − cy + 1) + dx − cx + 1.
let cost0: f32 = 0;
let cost1: f32 = 0;
let cost2: f32 = 0;
let cost3: f32 = 0;
let cost4: f32 = 0;
let cost5: f32 = 0;
let cost6: f32 = 0;
let cost7: f32 = 0;
let cost8: f32 = 0;

/** Whether the 3x3 window around (cx, cy) of the block at (ox, oy) lies on a level w x h. */
@inline
function windowOn(w: i32, h: i32, ox: i32, oy: i32, cx: i32, cy: i32): bool {
  return ox + cx >= 1 && ox + cx + 9 <= w && oy + cy >= 1 && oy + cy + 9 <= h;
}

/** acc plus one u16 row's differences against the row at b: squared (ssdStepU), or absolute in u16 lanes (as sad8u adds them). */
@inline
function costStep(acc: v128, row: v128, b: usize, squared: bool): v128 {
  return squared ? ssdStepU(acc, row, b) : i16x8.add(acc, absDiff(row, v128.load(b)));
}

/**
 * The costs (`squared`: ssd8u's, else sad8u's) of the u16 8x8 block at (ox, oy) of `a` against
 * the 3x3 window around (cx, cy) in `b` (w samples a row; windowOn), in one pass over the
 * block's rows, each row loaded once for all nine.
 */
@inline
function windowCosts(a: usize, b: usize, w: i32, ox: i32, oy: i32, cx: i32, cy: i32, squared: bool): void {
  const stride = <usize>w << 1;
  let pa = a + (<usize>(oy * w + ox) << 1);
  let pb = b + (<usize>((oy + cy - 1) * w + ox + cx - 1) << 1);
  let s0 = i32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, s8 = s0;
  for (let r = 0; r < 8; r++, pa += stride, pb += stride) {
    const row = v128.load(pa);
    s0 = costStep(s0, row, pb, squared); s1 = costStep(s1, row, pb + 2, squared); s2 = costStep(s2, row, pb + 4, squared);
    const q = pb + stride;
    s3 = costStep(s3, row, q, squared); s4 = costStep(s4, row, q + 2, squared); s5 = costStep(s5, row, q + 4, squared);
    const z = q + stride;
    s6 = costStep(s6, row, z, squared); s7 = costStep(s7, row, z + 2, squared); s8 = costStep(s8, row, z + 4, squared);
  }
  if (squared) {
    cost0 = totalI(s0); cost1 = totalI(s1); cost2 = totalI(s2); cost3 = totalI(s3); cost4 = totalI(s4);
    cost5 = totalI(s5); cost6 = totalI(s6); cost7 = totalI(s7); cost8 = totalI(s8);
  } else {
    cost0 = totalU(s0); cost1 = totalU(s1); cost2 = totalU(s2); cost3 = totalU(s3); cost4 = totalU(s4);
    cost5 = totalU(s5); cost6 = totalU(s6); cost7 = totalU(s7); cost8 = totalU(s8);
  }
}

@inline
function costAt(k: i32): f32 {
  return k == 0 ? cost0 : k == 1 ? cost1 : k == 2 ? cost2 : k == 3 ? cost3 : k == 4 ? cost4 : k == 5 ? cost5 : k == 6 ? cost6 : k == 7 ? cost7 : cost8;
}

/**
 * offerSad for the seven quarter-level candidates (x0 + k, dy), k = 0..6, all on the level, in
 * one pass over the block's rows (its rows loaded once for all seven): candidate k has index i0 + k and is
 * left out if that is `skipA` or `skipB`, or if it lies within ±`tried` of zero (`tried` ≥ 0).
 */
function offerRun(a: usize, b: usize, w: i32, ox: i32, oy: i32, x0: i32, dy: i32, bias: f32, i0: i32, skipA: i32, skipB: i32, tried: i32): void {
  const stride = <usize>w << 1;
  let pa = a + (<usize>(oy * w + ox) << 1);
  let pb = b + (<usize>((oy + dy) * w + ox + x0) << 1);
  let s0 = i16x8.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0;
  for (let r = 0; r < 8; r++, pa += stride, pb += stride) {
    const row = v128.load(pa);
    s0 = i16x8.add(s0, absDiff(row, v128.load(pb))); s1 = i16x8.add(s1, absDiff(row, v128.load(pb, 2)));
    s2 = i16x8.add(s2, absDiff(row, v128.load(pb, 4))); s3 = i16x8.add(s3, absDiff(row, v128.load(pb, 6)));
    s4 = i16x8.add(s4, absDiff(row, v128.load(pb, 8))); s5 = i16x8.add(s5, absDiff(row, v128.load(pb, 10)));
    s6 = i16x8.add(s6, absDiff(row, v128.load(pb, 12)));
  }
  for (let k = 0; k < 7; k++) {
    const i = i0 + k;
    const dx = x0 + k;
    if (i == skipA || i == skipB || (tried >= 0 && abs(dx) <= tried && abs(dy) <= tried)) continue;
    const s = k == 0 ? s0 : k == 1 ? s1 : k == 2 ? s2 : k == 3 ? s3 : k == 4 ? s4 : k == 5 ? s5 : s6;
    offer(totalU(s) + bias, dx, dy, i);
  }
}

/**
 * Offers the full-resolution 3x3 window around (cx, cy) for the 8x8 block at (ox, oy), all on
 * the picture, by ssd8u, each candidate k = 3 (dy − cy + 1) + dx − cx + 1 (costAt(k)); returns
 * the zero vector's cost if the window holds it, else −1.
 */
function offerWindow(cur: usize, ref: usize, width: i32, ox: i32, oy: i32, cx: i32, cy: i32): f32 {
  windowCosts(cur, ref, width, ox, oy, cx, cy, true);
  for (let k = 0; k < 9; k++) offer(costAt(k), cx + (k % 3) - 1, cy + k / 3 - 1, k);
  return abs(cx) <= 1 && abs(cy) <= 1 ? costAt(3 * (1 - cy) + 1 - cx) : -1;
}

/** Full-resolution cost of the 8x8 block at (ox, oy) displaced by (dx, dy); Infinity off the picture. */
function cost(cur: usize, ref: usize, width: i32, height: i32, ox: i32, oy: i32, dx: i32, dy: i32): f32 {
  if (ox + dx < 0 || ox + dx > width - 8 || oy + dy < 0 || oy + dy > height - 8) return Infinity;
  return ssd8u(cur + (<usize>(oy * width + ox) << 1), ref + (<usize>((oy + dy) * width + ox + dx) << 1), <usize>width << 1);
}

@inline
function clampInt(v: i32, lo: i32, hi: i32): i32 {
  return v < lo ? lo : v > hi ? hi : v;
}

export function estimateMotion(
  cur: usize, cur1: usize, cur2: usize, ref: usize, ref1: usize, ref2: usize, width: i32, height: i32,
  pred: usize, scale: f32, out: usize, search: i32, y0: i32, y1: i32,
): void {
  const bw = (width + 7) >> 3;
  const bh = (height + 7) >> 3;
  const mw = (width + 15) >> 4;
  const w1 = width >> 1;
  const h1 = height >> 1;
  const w2 = width >> 2;
  const h2 = height >> 2;
  // Search 0 with a predictor only refines it, block by block, at full resolution.
  const refine = search == 0 && pred != 0;
  const coarse = w2 >= 8 && h2 >= 8 && !refine;
  const side = 2 * search + 1;
  for (let my = (y0 + 15) >> 4; my * 16 < y1; my++) {
    for (let mx = 0; mx < mw; mx++) {
      // Predictor: mean of the related field over this macroblock's 8x8 blocks.
      let px: f32 = 0;
      let py: f32 = 0;
      if (pred && !refine) {
        let n = 0;
        for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) {
          const bx = 2 * mx + i;
          const by = 2 * my + j;
          if (bx < bw && by < bh) {
            const at = pred + (<usize>(2 * (by * bw + bx)) << 2);
            px += load<f32>(at) * scale;
            py += load<f32>(at, 4) * scale;
            n++;
          }
        }
        px /= <f32>n;
        py /= <f32>n;
      }
      // Quarter level: 8x8 window centred on the macroblock, candidates indexed in scan
      // order (the window around zero, then the one around the prediction).
      let vx2 = <i32>Mathf.round(px / 4);
      let vy2 = <i32>Mathf.round(py / 4);
      if (coarse) {
        const ox = clampInt(4 * mx - 2, 0, w2 - 8);
        const oy = clampInt(4 * my - 2, 0, h2 - 8);
        const second = pred != 0 && (vx2 != 0 || vy2 != 0);
        const inFirst = abs(vx2) <= search && abs(vy2) <= search;
        const zeroAt = search * side + search;
        const predAt = inFirst ? (vy2 + search) * side + vx2 + search : side * side + zeroAt;
        reset(0, 0);
        // A small bias against moving keeps flat areas still.
        offerSad(cur2, ref2, w2, h2, ox, oy, 0, 0, 0, zeroAt);
        if (second) offerSad(cur2, ref2, w2, h2, ox, oy, vx2, vy2, 4, predAt);
        const windows = second ? 2 : 1;
        for (let c = 0; c < windows; c++) {
          const cx = c == 0 ? 0 : vx2;
          const cy = c == 0 ? 0 : vy2;
          for (let dy = cy - search; dy <= cy + search; dy++) {
            const i0 = c * side * side + (dy - cy + search) * side;
            // Seven candidates wide and all on the level: in one pass.
            if (side == 7 && ox + cx - 3 >= 0 && ox + cx + 11 <= w2 && oy + dy >= 0 && oy + dy + 8 <= h2) {
              offerRun(cur2, ref2, w2, ox, oy, cx - 3, dy, 4, i0, zeroAt, second ? predAt : -1, c > 0 ? search : -1);
              continue;
            }
            for (let dx = cx - search; dx <= cx + search; dx++) {
              const i = i0 + dx - cx + search;
              if (i == zeroAt || (second && i == predAt)) continue;
              // The second window skips what the first (around zero) already tried.
              if (c > 0 && abs(dx) <= search && abs(dy) <= search) continue;
              offerSad(cur2, ref2, w2, h2, ox, oy, dx, dy, 4, i);
            }
          }
        }
        vx2 = bestX;
        vy2 = bestY;
      }
      // Half level: 8x8 window on the macroblock, ±1 around the coarse vector.
      let vx1 = 2 * vx2;
      let vy1 = 2 * vy2;
      if (w1 >= 8 && h1 >= 8 && !refine) {
        const ox = clampInt(8 * mx, 0, w1 - 8);
        const oy = clampInt(8 * my, 0, h1 - 8);
        reset(vx1, vy1);
        if (windowOn(w1, h1, ox, oy, vx1, vy1)) {
          windowCosts(cur1, ref1, w1, ox, oy, vx1, vy1, false);
          offer(cost4, vx1, vy1, 4);
          for (let i = 0; i < 9; i++) if (i != 4) offer(costAt(i), vx1 + (i % 3) - 1, vy1 + i / 3 - 1, i);
        } else {
          offerSad(cur1, ref1, w1, h1, ox, oy, vx1, vy1, 0, 4);
          for (let i = 0; i < 9; i++) if (i != 4) offerSad(cur1, ref1, w1, h1, ox, oy, vx1 + (i % 3) - 1, vy1 + i / 3 - 1, 0, i);
        }
        vx1 = bestX;
        vy1 = bestY;
      }
      // Full resolution: each 8x8 block, ±1 around the half-level vector, then sub-pixel.
      for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) {
        const bx = 2 * mx + i;
        const by = 2 * my + j;
        if (bx >= bw || by >= bh) continue;
        const b = <usize>(by * bw + bx);
        const cx = refine ? <i32>Mathf.round(load<f32>(pred + (b << 3)) * scale) : 2 * vx1;
        const cy = refine ? <i32>Mathf.round(load<f32>(pred + (b << 3), 4) * scale) : 2 * vy1;
        const ox = min(8 * bx, width - 8);
        const oy = min(8 * by, height - 8);
        // Still areas keep the zero vector (no sub-pixel jitter from noise), unless another
        // match is clearly better.
        reset(cx, cy);
        let still: f32, left: f32, right: f32, up: f32, down: f32;
        if (windowOn(width, height, ox, oy, cx, cy)) {
          const zero = offerWindow(cur, ref, width, ox, oy, cx, cy);
          still = zero >= 0 ? zero : cost(cur, ref, width, height, ox, oy, 0, 0);
          left = cost3;
          right = cost5;
          up = cost1;
          down = cost7;
        } else {
          still = cost(cur, ref, width, height, ox, oy, 0, 0);
          offer(cx == 0 && cy == 0 ? still : cost(cur, ref, width, height, ox, oy, cx, cy), cx, cy, 4);
          left = right = up = down = Infinity;
          for (let k = 0; k < 9; k++) {
            if (k == 4) continue;
            const dx = cx + (k % 3) - 1;
            const dy = cy + k / 3 - 1;
            const c = cost(cur, ref, width, height, ox, oy, dx, dy);
            if (k == 1) up = c;
            else if (k == 3) left = c;
            else if (k == 5) right = c;
            else if (k == 7) down = c;
            offer(c, dx, dy, k);
          }
        }
        const fx = bestX;
        const fy = bestY;
        const score = bestS;
        if (score == Infinity || still <= score * 1.1 + 16) {
          store<f32>(out + (b << 3), 0);
          store<f32>(out + (b << 3), 0, 4);
          continue;
        }
        let sx: f32 = 0;
        let sy: f32 = 0;
        const centred = fx == cx && fy == cy;
        const l = centred ? left : cost(cur, ref, width, height, ox, oy, fx - 1, fy);
        const r = centred ? right : cost(cur, ref, width, height, ox, oy, fx + 1, fy);
        const u = centred ? up : cost(cur, ref, width, height, ox, oy, fx, fy - 1);
        const d = centred ? down : cost(cur, ref, width, height, ox, oy, fx, fy + 1);
        if (l < Infinity && r < Infinity) {
          const den = l - 2 * score + r;
          if (den > 0) sx = max(<f32>-0.5, min(<f32>0.5, (l - r) / (2 * den)));
        }
        if (u < Infinity && d < Infinity) {
          const den = u - 2 * score + d;
          if (den > 0) sy = max(<f32>-0.5, min(<f32>0.5, (u - d) / (2 * den)));
        }
        store<f32>(out + (b << 3), <f32>fx + sx);
        store<f32>(out + (b << 3), <f32>fy + sy, 4);
      }
    }
  }
}
