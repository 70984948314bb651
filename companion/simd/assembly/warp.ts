// Motion compensation of one neighbour (see steps/clean-kernels.ts, warp): its picture
// moved onto the current frame by one vector per 8x8 block, luma bicubic (Catmull-Rom),
// chroma bilinear, with the squared difference to the current frame (luma + 2 × chroma).
// Two passes over each row of blocks. Luma block by block: four lanes at a time, each
// reference row filtered across once for the four output rows that need it. Then chroma
// and the difference row by row: block by block, the eight planes those need were read as
// 80 short runs at once, which the cache's prefetcher cannot follow (a 1080p warp took 14.3 ms
// against 10.4). The first pass leaves each block's placement in `places` (32 bytes a block
// of the row) for the second, which would otherwise work it out again on every row.
// Blocks at the picture's edges, and partial ones, go pixel by pixel with clamped positions.

/** Catmull-Rom weight of tap k (0..3) for a fraction f in [0, 1). */
@inline
function cubic(f: f32, k: i32): f32 {
  const f2 = f * f;
  const f3 = f2 * f;
  if (k == 0) return -0.5 * f3 + f2 - 0.5 * f;
  if (k == 1) return 1.5 * f3 - 2.5 * f2 + 1;
  if (k == 2) return -1.5 * f3 + 2 * f2 + 0.5 * f;
  return 0.5 * f3 - 0.5 * f2;
}

@inline
function at(plane: usize, i: i32): f32 {
  return load<f32>(plane + (<usize>i << 2));
}

@inline
function keep(curY: usize, curCb: usize, curCr: usize, predY: usize, predCb: usize, predCr: usize, diff: usize, o: usize, py: f32, pcb: f32, pcr: f32): void {
  store<f32>(predY + o, py);
  store<f32>(predCb + o, pcb);
  store<f32>(predCr + o, pcr);
  const d = load<f32>(curY + o) - py;
  const db = load<f32>(curCb + o) - pcb;
  const dr = load<f32>(curCr + o) - pcr;
  store<f32>(diff + o, d * d + 2 * (db * db + dr * dr));
}

/** Stores four chroma samples of the prediction, and the four differences of the row's prediction to the current frame. */
@inline
function keep4(curY: usize, curCb: usize, curCr: usize, predY: usize, predCb: usize, predCr: usize, diff: usize, o: usize, pcb: v128, pcr: v128): void {
  v128.store(predCb + o, pcb);
  v128.store(predCr + o, pcr);
  const d = f32x4.sub(v128.load(curY + o), v128.load(predY + o));
  const db = f32x4.sub(v128.load(curCb + o), pcb);
  const dr = f32x4.sub(v128.load(curCr + o), pcr);
  const c = f32x4.add(f32x4.mul(db, db), f32x4.mul(dr, dr));
  v128.store(diff + o, f32x4.add(f32x4.mul(d, d), f32x4.add(c, c)));
}

/** Four samples of reference row `r` (a byte address), filtered across by the weights w0..w3 from one sample left of it. */
@inline
function across(r: usize, w0: v128, w1: v128, w2: v128, w3: v128): v128 {
  return f32x4.add(
    f32x4.add(f32x4.mul(w0, v128.load(r - 4)), f32x4.mul(w1, v128.load(r))),
    f32x4.add(f32x4.mul(w2, v128.load(r + 4)), f32x4.mul(w3, v128.load(r + 8))),
  );
}

export function warp(
  curY: usize, curCb: usize, curCr: usize, refY: usize, refCb: usize, refCr: usize, vectors: usize,
  width: i32, height: i32, predY: usize, predCb: usize, predCr: usize, diff: usize, places: usize, y0: i32, y1: i32,
): void {
  const bw = (width + 7) >> 3;
  const maxX = <f64>width - 1.001;
  const maxY = <f64>height - 1.001;
  const row = <usize>width << 2;
  for (let ya = y0, yb = y0; ya < y1; ya = yb) {
    yb = min(y1, (ya & ~7) + 8);
    const brow = (ya >> 3) * bw;
    for (let x0 = 0; x0 < width; x0 += 8) {
      const x1 = min(x0 + 8, width);
      const b = brow + (x0 >> 3);
      const vx = load<f32>(vectors + (<usize>(2 * b) << 2));
      const vy = load<f32>(vectors + (<usize>(2 * b + 1) << 2));
      // Positions in f64: in f32 a fraction far out on a 1080p row is off by 1e-4 of a pixel.
      const fx0 = <f64>x0 + <f64>vx;
      const fy0 = <f64>ya + <f64>vy;
      const ix0 = <i32>fx0;
      const iy0 = <i32>fy0;
      const ax = <f32>(fx0 - <f64>ix0);
      const ay = <f32>(fy0 - <f64>iy0);
      const s = <isize>((iy0 - ya) * width + ix0 - x0) << 2;
      // Whole: all on the picture, its taps too, so one filter serves the block.
      let whole = x1 - x0 == 8 && fx0 >= 0 && <f64>(x1 - 1) + <f64>vx <= maxX && fy0 >= 0 && <f64>(yb - 1) + <f64>vy <= maxY;
      if (whole && (ax != 0 || ay != 0)) whole = ix0 >= 1 && iy0 >= 1 && ix0 + 9 < width && iy0 + (yb - ya) + 1 < height;
      // For the second pass: the chroma weights, then the kind (0: pixel by pixel, done here;
      // 1: filtered; 2: a whole-pixel vector, copied) and the shift.
      const at = places + (<usize>(x0 >> 3) << 5);
      v128.store(at, f32x4((<f32>1 - ax) * (<f32>1 - ay), ax * (<f32>1 - ay), (<f32>1 - ax) * ay, ax * ay));
      store<i32>(at, !whole ? 0 : ax == 0 && ay == 0 ? 2 : 1, 16);
      store<i32>(at, <i32>s, 20);
      if (!whole) {
        for (let y = ya; y < yb; y++) for (let x = x0; x < x1; x++) pixel(curY, curCb, curCr, refY, refCb, refCr, width, height, predY, predCb, predCr, diff, x, y, vx, vy, maxX, maxY);
        continue;
      }
      if (ax == 0 && ay == 0) {
        // A whole-pixel vector: a plain copy, the common case in still pictures.
        for (let y = ya; y < yb; y++) {
          const o = <usize>(y * width + x0) << 2;
          v128.store(predY + o, v128.load(refY + o + s));
          v128.store(predY + o + 16, v128.load(refY + o + s + 16));
        }
        continue;
      }
      const w0 = f32x4.splat(cubic(ax, 0));
      const w1 = f32x4.splat(cubic(ax, 1));
      const w2 = f32x4.splat(cubic(ax, 2));
      const w3 = f32x4.splat(cubic(ax, 3));
      const v0 = f32x4.splat(cubic(ay, 0));
      const v1 = f32x4.splat(cubic(ay, 1));
      const v2 = f32x4.splat(cubic(ay, 2));
      const v3 = f32x4.splat(cubic(ay, 3));
      // Rows iy0-1, iy0, iy0+1 filtered across, for each half of the block; one more per output row.
      let r = refY + (<usize>(ya * width + x0) << 2) + s - row;
      let a0 = across(r, w0, w1, w2, w3);
      let b0 = across(r + 16, w0, w1, w2, w3);
      let a1 = across(r + row, w0, w1, w2, w3);
      let b1 = across(r + row + 16, w0, w1, w2, w3);
      let a2 = across(r + 2 * row, w0, w1, w2, w3);
      let b2 = across(r + 2 * row + 16, w0, w1, w2, w3);
      r += 3 * row;
      for (let y = ya; y < yb; y++, r += row) {
        const a3 = across(r, w0, w1, w2, w3);
        const b3 = across(r + 16, w0, w1, w2, w3);
        const o = <usize>(y * width + x0) << 2;
        v128.store(predY + o, f32x4.add(f32x4.add(f32x4.mul(v0, a0), f32x4.mul(v1, a1)), f32x4.add(f32x4.mul(v2, a2), f32x4.mul(v3, a3))));
        v128.store(predY + o + 16, f32x4.add(f32x4.add(f32x4.mul(v0, b0), f32x4.mul(v1, b1)), f32x4.add(f32x4.mul(v2, b2), f32x4.mul(v3, b3))));
        a0 = a1; a1 = a2; a2 = a3;
        b0 = b1; b1 = b2; b2 = b3;
      }
    }
    // Chroma and the difference, row by row, for the blocks placed whole above.
    for (let y = ya; y < yb; y++) {
      for (let x0 = 0; x0 + 8 <= width; x0 += 8) {
        const at = places + (<usize>(x0 >> 3) << 5);
        const kind = load<i32>(at, 16);
        if (kind == 0) continue;
        const o = <usize>(y * width + x0) << 2;
        const q = o + <isize>load<i32>(at, 20);
        if (kind == 2) {
          // A whole-pixel vector: copied.
          keep4(curY, curCb, curCr, predY, predCb, predCr, diff, o, v128.load(refCb + q), v128.load(refCr + q));
          keep4(curY, curCb, curCr, predY, predCb, predCr, diff, o + 16, v128.load(refCb + q + 16), v128.load(refCr + q + 16));
          continue;
        }
        const c = v128.load(at);
        const c00 = v128.shuffle<f32>(c, c, 0, 0, 0, 0);
        const c01 = v128.shuffle<f32>(c, c, 1, 1, 1, 1);
        const c10 = v128.shuffle<f32>(c, c, 2, 2, 2, 2);
        const c11 = v128.shuffle<f32>(c, c, 3, 3, 3, 3);
        for (let h: usize = 0; h < 32; h += 16) {
          keep4(curY, curCb, curCr, predY, predCb, predCr, diff, o + h, bilinear(refCb + q + h, row, c00, c01, c10, c11), bilinear(refCr + q + h, row, c00, c01, c10, c11));
        }
      }
    }
  }
}

/** Four samples at r (a byte address) weighted with the three beside and below them. */
@inline
function bilinear(r: usize, row: usize, c00: v128, c01: v128, c10: v128, c11: v128): v128 {
  return f32x4.add(
    f32x4.add(f32x4.mul(c00, v128.load(r)), f32x4.mul(c01, v128.load(r + 4))),
    f32x4.add(f32x4.mul(c10, v128.load(r + row)), f32x4.mul(c11, v128.load(r + row + 4))),
  );
}

/** One pixel with its position clamped to the picture: bicubic where all 16 taps lie on it, else bilinear. */
function pixel(
  curY: usize, curCb: usize, curCr: usize, refY: usize, refCb: usize, refCr: usize, width: i32, height: i32,
  predY: usize, predCb: usize, predCr: usize, diff: usize, x: i32, y: i32, vx: f32, vy: f32, maxX: f64, maxY: f64,
): void {
  const fx = min(maxX, max(<f64>0, <f64>x + <f64>vx));
  const fy = min(maxY, max(<f64>0, <f64>y + <f64>vy));
  const ix = <i32>fx;
  const iy = <i32>fy;
  const ax = <f32>(fx - <f64>ix);
  const ay = <f32>(fy - <f64>iy);
  const i00 = iy * width + ix;
  let py: f32;
  let pcb = at(refCb, i00);
  let pcr = at(refCr, i00);
  if (ax == 0 && ay == 0) {
    py = at(refY, i00);
  } else {
    if (ix >= 1 && iy >= 1 && ix + 2 < width && iy + 2 < height) {
      py = 0;
      for (let j = 0; j < 4; j++) {
        const r = (iy - 1 + j) * width + ix - 1;
        py += cubic(ay, j) * (cubic(ax, 0) * at(refY, r) + cubic(ax, 1) * at(refY, r + 1) + cubic(ax, 2) * at(refY, r + 2) + cubic(ax, 3) * at(refY, r + 3));
      }
    } else {
      py = (<f32>1 - ay) * ((<f32>1 - ax) * at(refY, i00) + ax * at(refY, i00 + 1)) + ay * ((<f32>1 - ax) * at(refY, i00 + width) + ax * at(refY, i00 + width + 1));
    }
    const i10 = i00 + width;
    const w00 = (<f32>1 - ax) * (<f32>1 - ay);
    const w01 = ax * (<f32>1 - ay);
    const w10 = (<f32>1 - ax) * ay;
    const w11 = ax * ay;
    pcb = w00 * pcb + w01 * at(refCb, i00 + 1) + w10 * at(refCb, i10) + w11 * at(refCb, i10 + 1);
    pcr = w00 * pcr + w01 * at(refCr, i00 + 1) + w10 * at(refCr, i10) + w11 * at(refCr, i10 + 1);
  }
  keep(curY, curCb, curCr, predY, predCb, predCr, diff, <usize>(y * width + x) << 2, py, pcb, pcr);
}
