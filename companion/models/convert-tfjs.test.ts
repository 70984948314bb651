import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tfjsUpscaler, tfjsWasm } from '../../bench/tfjs-reference.js';
import { tfjsToOnnx, type ModelJson, readWeights } from './convert-tfjs.js';
import { hwioToOihw, nchwAxis } from './tfjs-layers.js';
import { onnxruntime } from './runtime.js';
import { convertUpscalerjs, upscalerjsModels } from './upscalerjs.js';

const require = createRequire(import.meta.url);

/** Deterministic values in [-a, a]. */
function values(count: number, seed: number, a = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * a;
  });
}

interface LayerSpec {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  from: string[];
  weights?: { suffix: string; shape: number[] }[];
}

/** A Keras functional model (as tensorflowjs serialises it) with one input "in" of `channels`. */
function functional(channels: number, layers: LayerSpec[], seed = 7): { json: ModelJson; weights: Float32Array } {
  const specs = layers.flatMap((l) => (l.weights ?? []).map((w) => ({ name: `${l.name}/${w.suffix}`, shape: w.shape, dtype: 'float32' })));
  const count = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  const topology = {
    class_name: 'Functional',
    config: {
      name: 'm',
      layers: [
        { class_name: 'InputLayer', name: 'in', config: { batch_input_shape: [null, null, null, channels], dtype: 'float32', name: 'in' }, inbound_nodes: [] },
        ...layers.map((l) => ({ class_name: l.class_name, name: l.name, config: { name: l.name, trainable: true, dtype: 'float32', ...l.config }, inbound_nodes: [l.from.map((f) => [f, 0, 0, {}])] })),
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [[layers.at(-1)!.name, 0, 0]],
    },
  };
  return {
    json: { format: 'layers-model', modelTopology: { keras_version: '2.10.0', backend: 'tensorflow', model_config: topology }, weightsManifest: [{ paths: ['w.bin'], weights: specs }] },
    weights: values(count, seed, 0.5),
  };
}

function conv(name: string, from: string, cin: number, filters: number, k: number, extra: Record<string, unknown> = {}): LayerSpec {
  return {
    class_name: 'Conv2D',
    name,
    from: [from],
    config: { filters, kernel_size: [k, k], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true, ...extra },
    weights: [
      { suffix: 'kernel', shape: [k, k, cin, filters] },
      ...(extra.use_bias === false ? [] : [{ suffix: 'bias', shape: [filters] }]),
    ],
  };
}

/** Runs a model both ways (ONNX in onnxruntime, the original in TF.js wasm) on the same NCHW input. */
async function bothWays(model: { json: ModelJson; weights: Float32Array }, channels: number, height: number, width: number) {
  const tf = await tfjsWasm();
  const bytes = new Uint8Array(model.weights.buffer);
  const onnx = tfjsToOnnx(model.json, readWeights(model.json.weightsManifest, [bytes]), { name: 't', inputRange: [0, 1], outputRange: [-1, 1] });
  const x = values(channels * height * width, 3, 1).map((v) => (v + 1) / 2);
  const ort = onnxruntime();
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'] });
  const y = (await session.run({ input: new ort.Tensor('float32', x, [1, channels, height, width]) })).output!;
  const layers = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: model.json.modelTopology as Tf.io.ModelArtifacts['modelTopology'], weightSpecs: model.json.weightsManifest[0]!.weights as Tf.io.WeightsManifestEntry[], weightData: bytes.slice().buffer }),
  );
  const ref = tf.tidy(() => (layers.predict(tf.tensor4d(x, [1, channels, height, width]).transpose([0, 2, 3, 1])) as Tf.Tensor4D).add(1).div(2).clipByValue(0, 1).transpose([0, 3, 1, 2]));
  const expected = (await ref.data()) as Float32Array;
  const dims = [...y.dims];
  ref.dispose();
  layers.dispose();
  await session.release();
  const got = y.data as Float32Array;
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i]! - got[i]!));
  return { dims, refDims: [1, ...ref.shape.slice(1)], max, onnx };
}

describe('TF.js layer mappings (each checked against TF.js on the same input)', () => {
  // The model's output goes through (y + 1) / 2 and a clip, so values in [-1, 1] are compared exactly.
  const cases: [string, number, LayerSpec[]][] = [
    ['Conv2D 3x3 "same"', 3, [conv('c', 'in', 3, 6, 3)]],
    ['Conv2D 4x4 "same" (TF pads more after than before)', 3, [conv('c', 'in', 3, 4, 4)]],
    ['Conv2D 5x5 with a fused ReLU', 3, [conv('c', 'in', 3, 4, 5, { activation: 'relu' })]],
    ['Conv2D 1x1 "valid" without bias', 3, [conv('c', 'in', 3, 5, 1, { padding: 'valid', use_bias: false })]],
    ['Conv2D 3x3 dilated by 2', 3, [conv('c', 'in', 3, 4, 3, { dilation_rate: [2, 2] })]],
    ['Activation relu', 3, [conv('c', 'in', 3, 4, 3), { class_name: 'Activation', name: 'a', from: ['c'], config: { activation: 'relu' } }]],
    ['LeakyReLU', 3, [conv('c', 'in', 3, 4, 3), { class_name: 'LeakyReLU', name: 'a', from: ['c'], config: { alpha: 0.2 } }]],
    ['ReLU with max_value', 3, [conv('c', 'in', 3, 4, 3), { class_name: 'ReLU', name: 'a', from: ['c'], config: { max_value: 0.1 } }]],
    ['Add of three', 3, [conv('c1', 'in', 3, 3, 3), conv('c2', 'in', 3, 3, 1), { class_name: 'Add', name: 'a', from: ['c1', 'c2', 'in'], config: {} }]],
    ['Concatenate on the channel axis', 3, [conv('c1', 'in', 3, 2, 3), { class_name: 'Concatenate', name: 'cat', from: ['in', 'c1'], config: { axis: 3 } }, conv('c2', 'cat', 5, 3, 3)]],
    ['UpSampling2D nearest x3', 3, [conv('c', 'in', 3, 3, 3), { class_name: 'UpSampling2D', name: 'u', from: ['c'], config: { size: [3, 3], interpolation: 'nearest', data_format: 'channels_last' } }]],
  ];
  it.each(cases)('%s', async (_name, channels, layers) => {
    const result = await bothWays(functional(channels, layers), channels, 9, 11);
    expect(result.dims).toEqual(result.refDims);
    expect(result.max).toBeLessThan(1e-5);
  });

  it('MultiplyBeta and PixelShuffle (upscalerjs custom layers, registered by its own setup)', async () => {
    const tf = await tfjsWasm();
    (require('@upscalerjs/esrgan-thick/2x') as { setup(t: typeof tf): void }).setup(tf);
    const layers: LayerSpec[] = [
      conv('c', 'in', 3, 12, 3),
      { class_name: 'MultiplyBeta', name: 'b', from: ['c'], config: { beta: 0.2 } },
      { class_name: 'PixelShuffle2x', name: 'ps', from: ['b'], config: { scale: 2 } },
    ];
    const result = await bothWays(functional(3, layers), 3, 7, 10);
    expect(result.dims).toEqual([1, 3, 14, 20]);
    expect(result.max).toBeLessThan(1e-5);
  });

  it('moves kernels from HWIO to OIHW and channel axes from NHWC to NCHW', () => {
    // kernel [kh=1, kw=2, in=1, out=2]: TF order (h, w, i, o) -> ONNX (o, i, h, w).
    expect([...hwioToOihw([1, 2, 1, 2], Float32Array.of(1, 2, 3, 4))]).toEqual([1, 3, 2, 4]);
    expect([3, -1, 1, 2].map(nchwAxis)).toEqual([1, 1, 2, 3]);
  });

  it('refuses what it cannot convert exactly, naming the layer', () => {
    const convert = (m: { json: ModelJson; weights: Float32Array }) =>
      tfjsToOnnx(m.json, readWeights(m.json.weightsManifest, [new Uint8Array(m.weights.buffer)]), { name: 't', inputRange: [0, 1], outputRange: [0, 1] });
    expect(() => convert(functional(3, [{ class_name: 'Lambda', name: 'lam', from: ['in'], config: {} }]))).toThrow(/layer "lam" \(Lambda\): layer class Lambda is not supported/);
    expect(() => convert(functional(3, [conv('c', 'in', 3, 3, 3, { strides: [2, 2] })]))).toThrow(/layer "c" \(Conv2D\): strides 2x2/);
    expect(() => convert(functional(3, [conv('c', 'in', 3, 3, 3, { activation: 'gelu' })]))).toThrow(/activation "gelu"/);
    const extra = functional(3, [conv('c', 'in', 3, 3, 3), { class_name: 'Activation', name: 'a', from: ['c'], config: { activation: 'relu' }, weights: [{ suffix: 'kernel', shape: [1] }] }]);
    expect(() => convert(extra)).toThrow(/weights no layer uses: a\/kernel/);
    const short = functional(3, [conv('c', 'in', 3, 3, 3)]);
    expect(() => readWeights(short.json.weightsManifest, [new Uint8Array(short.weights.buffer).subarray(8)])).toThrow(/end before weight "c\/bias"/);
  });
});

describe('the @upscalerjs ESRGAN weights as ONNX', () => {
  const models = upscalerjsModels();

  it('are all installed: slim, medium and thick, x2 and x4, MIT', () => {
    expect(models.map((m) => m.id)).toEqual(['esrgan-slim-x2', 'esrgan-slim-x4', 'esrgan-medium-x2', 'esrgan-medium-x4', 'esrgan-thick-x2', 'esrgan-thick-x4']);
    expect(new Set(models.map((m) => m.licence))).toEqual(new Set(['MIT']));
    expect(models[0]!.source).toBe('npm:@upscalerjs/esrgan-slim@1.0.0');
  });

  it('convert to the same bytes every time, recording where they came from', async () => {
    const slim = models[0]!;
    const [a, b] = [await convertUpscalerjs(slim), await convertUpscalerjs(slim)];
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
    expect(Buffer.from(a).includes(Buffer.from('npm:@upscalerjs/esrgan-slim@1.0.0'))).toBe(true);
  });

  // Within 1e-3 of full scale of the original in TF.js (wasm) on the same input; in practice ~1e-6.
  it.each(models.map((m) => [m.id, m] as const))('%s matches TF.js on the same picture', async (_id, model) => {
    const [h, w] = [20, 28];
    const x = new Float32Array(3 * h * w);
    // A smooth picture with edges: what the network was trained on, not noise.
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) x[(c * h + y) * w + i] = 0.5 + 0.4 * Math.sin(0.35 * i + 0.2 * y + c) * (i > 13 ? 1 : 0.5);
    const ort = onnxruntime();
    const session = await ort.InferenceSession.create(await convertUpscalerjs(model), { executionProviders: ['cpu'] });
    const y = (await session.run({ input: new ort.Tensor('float32', x, [1, 3, h, w]) })).output!;
    await session.release();
    const reference = await tfjsUpscaler(model);
    const expected = await reference.run(x, h, w);
    reference.dispose();
    expect([...y.dims]).toEqual([1, 3, h * model.scale, w * model.scale]);
    const got = y.data as Float32Array;
    let max = 0;
    for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i]! - got[i]!));
    expect(max).toBeLessThanOrEqual(1e-3);
  });
});
