// Picture-quality measures of the quality harness, on rgb48 frames (16-bit full range).
// PSNR and SSIM follow ffmpeg's psnr and ssim filters (tested against them); the others
// measure what an editor sees: block edges, still areas that boil, brightness that pumps.

const KR = 0.2126;
const KB = 0.0722;
const KG = 1 - KR - KB;
const TO_8BIT = 255 / 65535;

/** BT.709 luma of an rgb48 frame in 8-bit units (unrounded). */
export function luma(rgb: Uint16Array): Float32Array {
  const out = new Float32Array(rgb.length / 3);
  for (let p = 0, i = 0; p < out.length; p++, i += 3) out[p] = (KR * rgb[i]! + KG * rgb[i + 1]! + KB * rgb[i + 2]!) * TO_8BIT;
  return out;
}

/** Mean squared error of two frames in units of full scale (0..1)². */
export function mse(a: Uint16Array, b: Uint16Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s / a.length / (65535 * 65535);
}

/** ffmpeg's "PSNR average": of the mean squared error over all frames and all channels. */
export function psnr(test: Uint16Array[], reference: Uint16Array[]): number {
  let s = 0;
  for (let t = 0; t < test.length; t++) s += mse(test[t]!, reference[t]!);
  const m = s / test.length;
  return m <= 0 ? Infinity : 10 * Math.log10(1 / m);
}

/**
 * ffmpeg's SSIM of one plane (its ssim filter's algorithm: 4x4 block sums, 8x8 windows
 * every 4 pixels), on values in 8-bit units, `max` the peak value.
 */
export function ssimPlane(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array, width: number, height: number, max = 255): number {
  const w = width >> 2;
  const h = height >> 2;
  if (w < 2 || h < 2) return 1;
  const c1 = 0.01 * 0.01 * max * max * 64;
  const c2 = 0.03 * 0.03 * max * max * 64 * 63;
  const sums = (row: number) => {
    const s = new Float64Array(w * 4);
    for (let z = 0; z < w; z++) {
      let s1 = 0;
      let s2 = 0;
      let ss = 0;
      let s12 = 0;
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const i = (4 * row + y) * width + 4 * z + x;
          const p = a[i]!;
          const q = b[i]!;
          s1 += p;
          s2 += q;
          ss += p * p + q * q;
          s12 += p * q;
        }
      }
      s.set([s1, s2, ss, s12], 4 * z);
    }
    return s;
  };
  let total = 0;
  let prev = sums(0);
  for (let y = 1; y < h; y++) {
    const cur = sums(y);
    for (let z = 0; z < w - 1; z++) {
      const k = 4 * z;
      const s1 = prev[k]! + prev[k + 4]! + cur[k]! + cur[k + 4]!;
      const s2 = prev[k + 1]! + prev[k + 5]! + cur[k + 1]! + cur[k + 5]!;
      const ss = prev[k + 2]! + prev[k + 6]! + cur[k + 2]! + cur[k + 6]!;
      const s12 = prev[k + 3]! + prev[k + 7]! + cur[k + 3]! + cur[k + 7]!;
      const vars = ss * 64 - s1 * s1 - s2 * s2;
      const covar = s12 * 64 - s1 * s2;
      total += ((2 * s1 * s2 + c1) * (2 * covar + c2)) / ((s1 * s1 + s2 * s2 + c1) * (vars + c2));
    }
    prev = cur;
  }
  return total / ((h - 1) * (w - 1));
}

/** Mean luma SSIM over the frames. */
export function ssim(test: Float32Array[], reference: Float32Array[], width: number, height: number): number {
  let s = 0;
  for (let t = 0; t < test.length; t++) s += ssimPlane(test[t]!, reference[t]!, width, height);
  return s / test.length;
}

/**
 * Blockiness: the mean absolute luma step across 8x8 and 4x4 block edges (grid at 0)
 * minus the mean step between the pixels inside the blocks, both directions, 8-bit units.
 * About 0 for a picture without block structure.
 */
export function blockiness(frames: Float32Array[], width: number, height: number): number {
  let edge = 0;
  let edgeN = 0;
  let inner = 0;
  let innerN = 0;
  for (const f of frames) {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 1; x < width; x++) {
        const d = Math.abs(f[row + x]! - f[row + x - 1]!);
        if ((x & 3) === 0) {
          edge += d;
          edgeN++;
        } else {
          inner += d;
          innerN++;
        }
      }
      if (y === 0) continue;
      const isEdge = (y & 3) === 0;
      let s = 0;
      for (let x = 0; x < width; x++) s += Math.abs(f[row + x]! - f[row - width + x]!);
      if (isEdge) {
        edge += s;
        edgeN += width;
      } else {
        inner += s;
        innerN += width;
      }
    }
  }
  return edge / edgeN - inner / innerN;
}

/**
 * Temporal noise ("boiling"): mean absolute frame-to-frame luma change (8-bit units) on
 * the 8x8 blocks where the clean reference does not change at all. NaN when no block is still.
 */
export function boiling(frames: Float32Array[], reference: Float32Array[], width: number, height: number): number {
  let s = 0;
  let n = 0;
  for (let t = 1; t < frames.length; t++) {
    const r0 = reference[t - 1]!;
    const r1 = reference[t]!;
    for (let by = 0; by + 8 <= height; by += 8) {
      for (let bx = 0; bx + 8 <= width; bx += 8) {
        let still = true;
        for (let y = by; y < by + 8 && still; y++) {
          for (let x = bx; x < bx + 8; x++) {
            if (Math.abs(r1[y * width + x]! - r0[y * width + x]!) > 0.5) {
              still = false;
              break;
            }
          }
        }
        if (!still) continue;
        for (let y = by; y < by + 8; y++) {
          for (let x = bx; x < bx + 8; x++) s += Math.abs(frames[t]![y * width + x]! - frames[t - 1]![y * width + x]!);
        }
        n += 64;
      }
    }
  }
  return n ? s / n : NaN;
}

/** Mean luma of each `cell`×`cell` block of each frame (and of the whole frame at index 0 of each entry). */
export function blockMeans(frames: Float32Array[], width: number, height: number, cell: number): Float64Array[] {
  const gw = Math.floor(width / cell);
  const gh = Math.floor(height / cell);
  return frames.map((f) => {
    const out = new Float64Array(1 + gw * gh);
    let total = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = f[y * width + x]!;
        total += v;
        const i = Math.floor(x / cell);
        const j = Math.floor(y / cell);
        if (i < gw && j < gh) out[1 + j * gw + i] += v / (cell * cell);
      }
    }
    out[0] = total / (width * height);
    return out;
  });
}

export interface FlickerIndex {
  /** RMS frame-to-frame change of the frame's mean luma beyond the reference's change (8-bit units). */
  global: number;
  /** The same on a grid of 32x32 blocks. */
  local: number;
}

/**
 * Flicker index: how much the brightness moves from frame to frame beyond what the clean
 * reference does (so true scene change, motion and cuts do not count).
 */
export function flickerIndex(frames: Float32Array[], reference: Float32Array[], width: number, height: number): FlickerIndex {
  const a = blockMeans(frames, width, height, 32);
  const r = blockMeans(reference, width, height, 32);
  let g = 0;
  let l = 0;
  let ln = 0;
  for (let t = 1; t < a.length; t++) {
    const dg = a[t]![0]! - a[t - 1]![0]! - (r[t]![0]! - r[t - 1]![0]!);
    g += dg * dg;
    for (let i = 1; i < a[t]!.length; i++) {
      const d = a[t]![i]! - a[t - 1]![i]! - (r[t]![i]! - r[t - 1]![i]!);
      l += d * d;
      ln++;
    }
  }
  return { global: Math.sqrt(g / Math.max(1, a.length - 1)), local: Math.sqrt(l / Math.max(1, ln)) };
}

/** Largest relative error of the frame's mean luma against the reference, per frame. */
export function brightnessErrors(frames: Float32Array[], reference: Float32Array[]): number[] {
  return frames.map((f, t) => {
    let a = 0;
    let b = 0;
    for (let i = 0; i < f.length; i++) {
      a += f[i]!;
      b += reference[t]![i]!;
    }
    return Math.abs(a - b) / Math.max(1, b);
  });
}

/** Mean absolute change of 32x32 block brightness between two versions, relative to the mean luma. */
export function brightnessChange(frames: Float32Array[], original: Float32Array[], width: number, height: number): number {
  const a = blockMeans(frames, width, height, 32);
  const b = blockMeans(original, width, height, 32);
  let s = 0;
  let m = 0;
  for (let t = 0; t < a.length; t++) {
    for (let i = 1; i < a[t]!.length; i++) {
      s += Math.abs(a[t]![i]! - b[t]![i]!);
      m += b[t]![i]!;
    }
  }
  return s / Math.max(1e-9, m);
}

/**
 * Shimmer on a block grid: in each `cell`×`cell` block, the mean absolute difference between
 * the frame-to-frame change of the frames and that of the reference (8-bit luma units), then
 * the RMS over blocks and frames. Unlike flickerIndex, detail that changes while the block's
 * mean brightness holds (what frame-by-frame super-resolution does) counts.
 */
export function detailFlicker(frames: Float32Array[], reference: Float32Array[], width: number, height: number, cell = 16): number {
  const gw = Math.floor(width / cell);
  const gh = Math.floor(height / cell);
  let s = 0;
  let n = 0;
  for (let t = 1; t < frames.length; t++) {
    const [a0, a1, r0, r1] = [frames[t - 1]!, frames[t]!, reference[t - 1]!, reference[t]!];
    for (let j = 0; j < gh; j++) {
      for (let i = 0; i < gw; i++) {
        let d = 0;
        for (let y = j * cell; y < (j + 1) * cell; y++) {
          for (let x = i * cell; x < (i + 1) * cell; x++) {
            const p = y * width + x;
            d += Math.abs(a1[p]! - a0[p]! - (r1[p]! - r0[p]!));
          }
        }
        d /= cell * cell;
        s += d * d;
        n++;
      }
    }
  }
  return Math.sqrt(s / Math.max(1, n));
}

/** 2-D correlation with a 3x3 kernel, zero outside the plane (MATLAB conv2 'same' with a symmetric-up-to-sign kernel). */
function filter3(plane: Float64Array, width: number, height: number, k: number[]): Float64Array {
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let j = -1; j <= 1; j++) {
        const yy = y + j;
        if (yy < 0 || yy >= height) continue;
        for (let i = -1; i <= 1; i++) {
          const xx = x + i;
          if (xx >= 0 && xx < width) s += k[(j + 1) * 3 + i + 1]! * plane[yy * width + xx]!;
        }
      }
      out[y * width + x] = s;
    }
  return out;
}

/**
 * GMSD, gradient magnitude similarity deviation (Xue, Zhang, Mou, Bovik 2014), of two luma
 * planes in 8-bit units: both are averaged 2x2 and subsampled, Prewitt gradient magnitudes
 * m1, m2 are compared pixel by pixel as (2 m1 m2 + T) / (m1² + m2² + T) with T = 170, and the
 * score is the standard deviation of that map. 0 for identical pictures; lower is better.
 * Follows the authors' MATLAB code (zero padding, std with n - 1).
 */
export function gmsd(test: Float32Array, reference: Float32Array, width: number, height: number): number {
  const w = Math.floor(width / 2);
  const h = Math.floor(height / 2);
  // MATLAB: conv2(Y, ones(2)/4, 'same') then Y(1:2:end, 1:2:end): the mean of each pixel and its right/lower neighbours.
  const down = (p: Float32Array) => {
    const out = new Float64Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const at = (dx: number, dy: number) => (2 * x + dx < width && 2 * y + dy < height ? p[(2 * y + dy) * width + 2 * x + dx]! : 0);
        out[y * w + x] = (at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4;
      }
    return out;
  };
  // conv2 flips the kernel; Prewitt dx = [1 0 -1]/3 per row flips to [-1 0 1]/3 as a correlation (the sign does not matter).
  const dx = [-1, 0, 1, -1, 0, 1, -1, 0, 1].map((v) => v / 3);
  const dy = [-1, -1, -1, 0, 0, 0, 1, 1, 1].map((v) => v / 3);
  const magnitude = (p: Float64Array) => {
    const gx = filter3(p, w, h, dx);
    const gy = filter3(p, w, h, dy);
    return gx.map((v, i) => Math.sqrt(v * v + gy[i]! * gy[i]!));
  };
  const [m1, m2] = [magnitude(down(test)), magnitude(down(reference))];
  const T = 170;
  const n = w * h;
  const map = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    map[i] = (2 * m1[i]! * m2[i]! + T) / (m1[i]! ** 2 + m2[i]! ** 2 + T);
    mean += map[i]! / n;
  }
  let v = 0;
  for (let i = 0; i < n; i++) v += (map[i]! - mean) ** 2;
  return Math.sqrt(v / Math.max(1, n - 1));
}
