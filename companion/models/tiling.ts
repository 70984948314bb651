// Runs an image-to-image network over a frame in tiles, so that a 4K frame fits in the memory
// at hand and a GPU gets work of a size it likes.
//
// Every tile reads `context` extra pixels on each side (neighbouring pixels inside the frame,
// mirrored pixels beyond its edges) and that margin of its output is thrown away. Neighbouring
// tiles' kept regions also overlap by at least `overlap` pixels, and there the two outputs are
// blended with linear ramps (weights summing to one), so no seam shows even where a network
// sees further than the context. Output size = scale x input, exactly.
//
// Tensors are float32, planar RGB (CHW for a frame, NCHW for a batch of tiles).
import { freemem } from 'node:os';

export interface Planar {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** Runs the network on a batch: `data` is NCHW with n tiles of channels x height x width. */
export type TileRunner = (data: Float32Array, n: number, channels: number, height: number, width: number) => Promise<Planar & { n: number }>;

export interface TileOptions {
  /** Output size / input size (an integer: 1 for clean-up, 2 or 4 for upscaling). */
  scale: number;
  /** Kept tile size in input pixels; default from the memory budget. */
  tile?: number;
  /** Minimum overlap of neighbouring kept regions, blended with linear ramps (default 16). */
  overlap?: number;
  /** Extra input pixels read on each side of a tile and discarded (default 8). */
  context?: number;
  /** Tiles per network call (default 1; more helps GPUs when the model has a dynamic batch). */
  batch?: number;
  /** Bytes the tiles may use at once; default a quarter of free memory, at most 2 GiB. */
  memoryBudgetBytes?: number;
  /** Working bytes per input pixel of a tile (default: an estimate for a 64-feature network). */
  bytesPerPixel?: number;
  /** Tile input sizes are rounded up to a multiple of this (networks with down-sampling). */
  multipleOf?: number;
}

/** Mirror index (edge pixel not repeated: -1 -> 1, n -> n - 2), for any i. */
export function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** Starts of `count` equal tiles of `tile` covering `length`, spread evenly, overlapping by >= overlap. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (tile >= length) return [0];
  const count = Math.ceil((length - overlap) / (tile - overlap));
  const n = Math.max(2, count);
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

/** Estimated working bytes per input pixel: input, output, and two 64-channel feature maps at input size. */
export function defaultBytesPerPixel(channelsIn: number, channelsOut: number, scale: number): number {
  return 4 * (channelsIn + channelsOut * scale * scale + 2 * 64) * 2;
}

export function defaultMemoryBudget(): number {
  return Math.min(2 * 1024 ** 3, Math.max(64 * 1024 ** 2, freemem() / 4));
}

/** The largest kept tile size (a multiple of 8, 32..2048) whose working set fits the budget. */
export function tileSizeForBudget(budgetBytes: number, bytesPerPixel: number, context: number, batch = 1): number {
  const side = Math.floor(Math.sqrt(budgetBytes / (bytesPerPixel * batch))) - 2 * context;
  return Math.max(32, Math.min(2048, Math.floor(side / 8) * 8));
}

/** Linear ramp weights (length len*scale) for a kept region [a, b), ramps where neighbours overlap. */
function rampWeights(a: number, b: number, prevEnd: number | undefined, nextStart: number | undefined, scale: number): Float32Array {
  const len = (b - a) * scale;
  const w = new Float32Array(len).fill(1);
  if (prevEnd !== undefined && prevEnd > a) {
    const ramp = (prevEnd - a) * scale;
    for (let i = 0; i < ramp && i < len; i++) w[i] = Math.min(w[i]!, (i + 0.5) / ramp);
  }
  if (nextStart !== undefined && nextStart < b) {
    const ramp = (b - nextStart) * scale;
    for (let i = 0; i < ramp && i < len; i++) w[len - 1 - i] = Math.min(w[len - 1 - i]!, (i + 0.5) / ramp);
  }
  return w;
}

interface Axis {
  starts: number[];
  size: number;
  /**
   * Per tile along this axis: its ramp weights over the kept output span, divided by all
   * tiles' weights at each coordinate, so that overlapping tiles add up to 1 (the grid is separable).
   */
  weights: Float32Array[];
}

function axis(length: number, tile: number, overlap: number, scale: number): Axis {
  const size = Math.min(tile, length);
  const starts = tileStarts(length, size, overlap);
  const weights = starts.map((s, i) => rampWeights(s, s + size, i > 0 ? starts[i - 1]! + size : undefined, i < starts.length - 1 ? starts[i + 1] : undefined, scale));
  const sums = new Float32Array(length * scale);
  starts.forEach((s, i) => {
    const w = weights[i]!;
    for (let k = 0; k < w.length; k++) sums[s * scale + k]! += w[k]!;
  });
  starts.forEach((s, i) => {
    const w = weights[i]!;
    for (let k = 0; k < w.length; k++) w[k] = w[k]! / sums[s * scale + k]!;
  });
  return { starts, size, weights };
}

interface TileJob {
  ty: number;
  tx: number;
}

/** Runs `run` over `image` tile by tile and returns the blended output (scale x the input size). */
export async function runTiled(image: Planar, run: TileRunner, options: TileOptions): Promise<Planar> {
  const { channels, height, width } = image;
  const scale = options.scale;
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`tile scale must be a whole number >= 1, got ${scale}`);
  const context = options.context ?? 8;
  const batch = Math.max(1, Math.floor(options.batch ?? 1));
  const budget = options.memoryBudgetBytes ?? defaultMemoryBudget();
  const bpp = options.bytesPerPixel ?? defaultBytesPerPixel(channels, channels, scale);
  const tile = options.tile ?? tileSizeForBudget(budget, bpp, context, batch);
  const overlap = Math.min(options.overlap ?? 16, Math.floor(tile / 2));
  const multiple = Math.max(1, options.multipleOf ?? 1);

  const ax = axis(width, tile, overlap, scale);
  const ay = axis(height, tile, overlap, scale);
  // Tile input: kept region + context on each side, rounded up (extra mirrored pixels right/bottom).
  const inW = Math.ceil((ax.size + 2 * context) / multiple) * multiple;
  const inH = Math.ceil((ay.size + 2 * context) / multiple) * multiple;
  const plane = inW * inH;
  const outW = width * scale;
  const outH = height * scale;
  const out = new Float32Array(channels * outW * outH);
  let outChannels = -1;

  const jobs: TileJob[] = [];
  for (let ty = 0; ty < ay.starts.length; ty++) for (let tx = 0; tx < ax.starts.length; tx++) jobs.push({ ty, tx });

  const xIndex = new Int32Array(inW);
  for (let b = 0; b < jobs.length; b += batch) {
    const group = jobs.slice(b, b + batch);
    const input = new Float32Array(group.length * channels * plane);
    group.forEach(({ ty, tx }, g) => {
      const x0 = ax.starts[tx]! - context;
      const y0 = ay.starts[ty]! - context;
      for (let x = 0; x < inW; x++) xIndex[x] = reflect(x0 + x, width);
      for (let c = 0; c < channels; c++) {
        const src = c * height * width;
        const dst = (g * channels + c) * plane;
        for (let y = 0; y < inH; y++) {
          const row = src + reflect(y0 + y, height) * width;
          const o = dst + y * inW;
          for (let x = 0; x < inW; x++) input[o + x] = image.data[row + xIndex[x]!]!;
        }
      }
    });
    const result = await run(input, group.length, channels, inH, inW);
    if (result.n !== group.length || result.height !== inH * scale || result.width !== inW * scale) {
      throw new Error(
        `the model gave ${result.n}x${result.channels}x${result.height}x${result.width} for ${group.length}x${channels}x${inH}x${inW}; expected scale ${scale}`,
      );
    }
    if (outChannels < 0) {
      outChannels = result.channels;
      if (outChannels !== channels) throw new Error(`the model gave ${outChannels} channels for ${channels}`);
    }
    const rw = result.width;
    const rPlane = result.height * rw;
    const skip = context * scale;
    group.forEach(({ ty, tx }, g) => {
      const wx = ax.weights[tx]!;
      const wy = ay.weights[ty]!;
      const ox = ax.starts[tx]! * scale;
      const oy = ay.starts[ty]! * scale;
      for (let c = 0; c < channels; c++) {
        const src = (g * channels + c) * rPlane;
        const dst = c * outW * outH;
        for (let y = 0; y < wy.length; y++) {
          const rowWeight = wy[y]!;
          const s = src + (skip + y) * rw + skip;
          const d = dst + (oy + y) * outW + ox;
          for (let x = 0; x < wx.length; x++) out[d + x]! += result.data[s + x]! * wx[x]! * rowWeight;
        }
      }
    });
  }
  return { data: out, channels, height: outH, width: outW };
}
