// Tiny ONNX networks with fixed weights, built on the fly for tests only (never shipped):
// enough of a real image-to-image network (convolutions, a non-linearity, pixel shuffle) to
// exercise the runtime, the registry and the tiler.
import { encodeModel, type Dim } from '../../companion/models/onnx-proto.js';

/** Deterministic weights in [-a, a]. */
function weights(count: number, seed: number, a: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * a;
  }
  return out;
}

/**
 * Conv 3x3 (3 -> 8) + ReLU + Conv 3x3 (8 -> 3*scale^2) + DepthToSpace(scale) when scale > 1.
 * Input [N, 3, H, W] with dynamic N, H, W (or fixed ones), output [N, 3, H*scale, W*scale].
 * Receptive field: 2 pixels each side.
 */
export function convNet(scale: 1 | 2 | 4, shape: Dim[] = ['N', 3, 'H', 'W']): Uint8Array {
  const mid = 8;
  const outC = 3 * scale * scale;
  const w1 = weights(mid * 3 * 9, 1, 0.25);
  const b1 = weights(mid, 2, 0.1);
  const w2 = weights(outC * mid * 9, 3, 0.15);
  const b2 = weights(outC, 4, 0.05);
  const outShape: Dim[] = shape.map((d, i) => (i >= 2 && typeof d === 'number' ? d * scale : i >= 2 ? `${d}s` : d));
  return encodeModel({
    name: `fixture-x${scale}`,
    inputs: [{ name: 'input', shape }],
    outputs: [{ name: 'output', shape: outShape }],
    initializers: [
      { name: 'w1', dims: [mid, 3, 3, 3], data: w1 },
      { name: 'b1', dims: [mid], data: b1 },
      { name: 'w2', dims: [outC, mid, 3, 3], data: w2 },
      { name: 'b2', dims: [outC], data: b2 },
    ],
    nodes: [
      { op: 'Conv', inputs: ['input', 'w1', 'b1'], outputs: ['h1'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['h1'], outputs: ['a1'] },
      { op: 'Conv', inputs: ['a1', 'w2', 'b2'], outputs: scale > 1 ? ['h2'] : ['output'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      ...(scale > 1 ? [{ op: 'DepthToSpace', inputs: ['h2'], outputs: ['output'], attributes: { blocksize: scale, mode: 'CRD' } }] : []),
    ],
  });
}

/**
 * A network with GFPGAN's signature ([1, 3, size, size] RGB in [-1, 1] in and out) that
 * computes output = input × gain + offset, the offset a number or a whole [1, 3, size, size]
 * picture (to paint known marks in crop space).
 */
export function faceNet(options: { gain?: number; offset?: number | Float32Array; size?: number } = {}): Uint8Array {
  const size = options.size ?? 512;
  const shape: Dim[] = [1, 3, size, size];
  const offset = options.offset ?? 0;
  return encodeModel({
    name: 'fixture-face',
    inputs: [{ name: 'input', shape }],
    outputs: [{ name: 'output', shape }],
    initializers: [
      { name: 'gain', dims: [1], data: Float32Array.of(options.gain ?? 1) },
      typeof offset === 'number' ? { name: 'offset', dims: [1], data: Float32Array.of(offset) } : { name: 'offset', dims: shape as number[], data: offset },
    ],
    nodes: [
      { op: 'Mul', inputs: ['input', 'gain'], outputs: ['scaled'] },
      { op: 'Add', inputs: ['scaled', 'offset'], outputs: ['output'] },
    ],
  });
}
