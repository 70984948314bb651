// Maps a TF.js "layers" model (a Keras functional graph serialised by tensorflowjs) onto an
// ONNX graph, layer by layer. TF.js works in NHWC; the ONNX graph works in NCHW throughout, so
// kernels are transposed once here (HWIO -> OIHW) and channel axes remapped, and no Transpose
// node runs per frame. Only the layer classes and options below are understood; anything else
// is refused with the layer's name, never approximated.
import { z } from 'zod';
import type { Initializer, NodeSpec } from './onnx-proto.js';

const InboundSchema = z.tuple([z.string(), z.number(), z.number()]).rest(z.unknown());

export const LayerSchema = z.object({
  class_name: z.string(),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  inbound_nodes: z.array(z.array(InboundSchema)),
});
export type Layer = z.infer<typeof LayerSchema>;

export const TopologySchema = z.object({
  model_config: z.object({
    class_name: z.enum(['Functional', 'Model']),
    config: z.object({
      layers: z.array(LayerSchema),
      input_layers: z.array(InboundSchema),
      output_layers: z.array(InboundSchema),
    }),
  }),
});

/** Weights by their TF.js name ("<layer>/kernel"), with their TF.js shape. */
export type WeightMap = ReadonlyMap<string, { shape: number[]; data: Float32Array }>;

export interface LayerGraph {
  nodes: NodeSpec[];
  initializers: Initializer[];
}

/** What a layer mapping gets: its own layer, the ONNX names of its inputs, the weights. */
export interface LayerInput {
  layer: Layer;
  inputs: string[];
  weights: WeightMap;
}

function fail(layer: Layer, why: string): never {
  throw new Error(`layer "${layer.name}" (${layer.class_name}): ${why}`);
}

function pair(layer: Layer, key: string, fallback: [number, number]): [number, number] {
  const v = layer.config[key] ?? fallback;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n))) fail(layer, `${key} must be two whole numbers, got ${JSON.stringify(v)}`);
  return [v[0] as number, v[1] as number];
}

function weight(input: LayerInput, suffix: string): { shape: number[]; data: Float32Array } {
  const w = input.weights.get(`${input.layer.name}/${suffix}`);
  if (!w) fail(input.layer, `its weight "${input.layer.name}/${suffix}" is missing from the weights manifest`);
  return w;
}

/** NHWC axis (negative counts from the end) -> the same axis in NCHW. */
export function nchwAxis(axis: number): number {
  const a = axis < 0 ? axis + 4 : axis;
  const map = [0, 2, 3, 1];
  const out = map[a];
  if (out === undefined) throw new Error(`axis ${axis} is outside a 4-D tensor`);
  return out;
}

/** HWIO (TF) kernel -> OIHW (ONNX). */
export function hwioToOihw(shape: number[], data: Float32Array): Float32Array {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = data[((h * kw + w) * ci + i) * co + o]!;
  return out;
}

/** An activation by its Keras name, applied to `x`; "linear" adds nothing. */
function activation(layer: Layer, name: unknown, x: string, out: string): NodeSpec[] {
  switch (name) {
    case 'linear':
    case undefined:
      return [{ op: 'Identity', inputs: [x], outputs: [out] }];
    case 'relu':
      return [{ op: 'Relu', inputs: [x], outputs: [out] }];
    case 'sigmoid':
      return [{ op: 'Sigmoid', inputs: [x], outputs: [out] }];
    case 'tanh':
      return [{ op: 'Tanh', inputs: [x], outputs: [out] }];
    default:
      return fail(layer, `activation "${String(name)}" is not supported`);
  }
}

function conv2d(input: LayerInput): LayerGraph {
  const { layer } = input;
  const c = layer.config;
  if (c.data_format !== undefined && c.data_format !== 'channels_last') fail(layer, `data_format ${String(c.data_format)} is not supported`);
  if ((c.groups ?? 1) !== 1) fail(layer, 'grouped convolutions are not supported');
  const [sh, sw] = pair(layer, 'strides', [1, 1]);
  const [dh, dw] = pair(layer, 'dilation_rate', [1, 1]);
  if (sh !== 1 || sw !== 1) fail(layer, `strides ${sh}x${sw} are not supported (only 1x1)`);
  const kernel = weight(input, 'kernel');
  const [kh, kw] = kernel.shape as [number, number];
  // Stride 1 "same": TF pads floor(total/2) before and the rest after, as ONNX's explicit pads can say.
  const pads = (k: number, d: number): [number, number] => {
    const total = (k - 1) * d;
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  let padding: number[];
  if (c.padding === 'same') {
    const [t, b] = pads(kh, dh);
    const [l, r] = pads(kw, dw);
    padding = [t, l, b, r];
  } else if (c.padding === 'valid') {
    padding = [0, 0, 0, 0];
  } else {
    fail(layer, `padding "${String(c.padding)}" is not supported`);
  }
  const name = layer.name;
  const initializers: Initializer[] = [{ name: `${name}/W`, dims: [kernel.shape[3]!, kernel.shape[2]!, kh, kw], data: hwioToOihw(kernel.shape, kernel.data) }];
  const convInputs = [input.inputs[0]!, `${name}/W`];
  if (c.use_bias !== false) {
    const bias = weight(input, 'bias');
    initializers.push({ name: `${name}/B`, dims: bias.shape, data: bias.data });
    convInputs.push(`${name}/B`);
  }
  const linear = c.activation === undefined || c.activation === 'linear';
  const convOut = linear ? name : `${name}/conv`;
  const nodes: NodeSpec[] = [
    { op: 'Conv', name, inputs: convInputs, outputs: [convOut], attributes: { kernel_shape: [kh, kw], pads: padding, strides: [1, 1], dilations: [dh, dw], group: 1 } },
  ];
  if (!linear) nodes.push(...activation(layer, c.activation, convOut, name));
  return { nodes, initializers };
}

/** A graph with one scalar constant `value` multiplied in (MultiplyBeta). */
function scaleBy(layer: Layer, x: string, value: number): LayerGraph {
  return {
    nodes: [{ op: 'Mul', name: layer.name, inputs: [x, `${layer.name}/k`], outputs: [layer.name] }],
    initializers: [{ name: `${layer.name}/k`, dims: [], data: Float32Array.of(value) }],
  };
}

function blockSize(layer: Layer): number {
  const fromName = /^PixelShuffle(\d+)x$/.exec(layer.class_name)?.[1];
  const scale = Number(layer.config.scale ?? fromName);
  if (!Number.isInteger(scale) || scale < 1) fail(layer, 'no whole-number scale');
  if (fromName !== undefined && Number(fromName) !== scale) fail(layer, `its class says x${fromName} but its config says x${scale}`);
  return scale;
}

type Mapping = (input: LayerInput) => LayerGraph;

/** Every supported layer class -> its ONNX nodes. Exported for the unit tests of each mapping. */
export const LAYER_MAPPINGS: Record<string, Mapping> = {
  Conv2D: conv2d,
  Activation: ({ layer, inputs }) => ({ nodes: activation(layer, layer.config.activation, inputs[0]!, layer.name), initializers: [] }),
  ReLU: ({ layer, inputs }) => {
    const { max_value: max, negative_slope: slope, threshold } = layer.config;
    if ((slope ?? 0) !== 0 || (threshold ?? 0) !== 0) fail(layer, 'negative_slope and threshold are not supported');
    if (max === undefined || max === null) return { nodes: [{ op: 'Relu', name: layer.name, inputs: [inputs[0]!], outputs: [layer.name] }], initializers: [] };
    return {
      nodes: [{ op: 'Clip', name: layer.name, inputs: [inputs[0]!, `${layer.name}/min`, `${layer.name}/max`], outputs: [layer.name] }],
      initializers: [
        { name: `${layer.name}/min`, dims: [], data: Float32Array.of(0) },
        { name: `${layer.name}/max`, dims: [], data: Float32Array.of(Number(max)) },
      ],
    };
  },
  LeakyReLU: ({ layer, inputs }) => ({
    nodes: [{ op: 'LeakyRelu', name: layer.name, inputs: [inputs[0]!], outputs: [layer.name], attributes: { alpha: { float: Number(layer.config.alpha ?? 0.3) } } }],
    initializers: [],
  }),
  Add: ({ layer, inputs }) => {
    if (inputs.length < 2) fail(layer, 'needs at least two inputs');
    // ONNX Add is binary: a left fold keeps TF's order of summation.
    const nodes: NodeSpec[] = [];
    let acc = inputs[0]!;
    for (let i = 1; i < inputs.length; i++) {
      const out = i === inputs.length - 1 ? layer.name : `${layer.name}/${i}`;
      nodes.push({ op: 'Add', name: out, inputs: [acc, inputs[i]!], outputs: [out] });
      acc = out;
    }
    return { nodes, initializers: [] };
  },
  Concatenate: ({ layer, inputs }) => ({
    nodes: [{ op: 'Concat', name: layer.name, inputs, outputs: [layer.name], attributes: { axis: nchwAxis(Number(layer.config.axis ?? -1)) } }],
    initializers: [],
  }),
  UpSampling2D: ({ layer, inputs }) => {
    if ((layer.config.interpolation ?? 'nearest') !== 'nearest') fail(layer, `interpolation "${String(layer.config.interpolation)}" is not supported (only nearest)`);
    const [sh, sw] = pair(layer, 'size', [2, 2]);
    // Nearest with integer factors: asymmetric coordinates + floor = each pixel repeated.
    return {
      nodes: [
        {
          op: 'Resize',
          name: layer.name,
          inputs: [inputs[0]!, '', `${layer.name}/scales`],
          outputs: [layer.name],
          attributes: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
        },
      ],
      initializers: [{ name: `${layer.name}/scales`, dims: [4], data: Float32Array.of(1, 1, sh, sw) }],
    };
  },
  // upscalerjs' ESRGAN custom layers (packages/shared/src/esrgan): x * 0.2, and tf.depthToSpace in NHWC.
  MultiplyBeta: ({ layer, inputs }) => scaleBy(layer, inputs[0]!, Number(layer.config.beta ?? 0.2)),
  PixelShuffle: ({ layer, inputs }) => ({
    // TF's depth_to_space takes channel (i * bs + j) * C + c to offset (i, j): ONNX's DCR order.
    nodes: [{ op: 'DepthToSpace', name: layer.name, inputs: [inputs[0]!], outputs: [layer.name], attributes: { blocksize: blockSize(layer), mode: 'DCR' } }],
    initializers: [],
  }),
};

function mappingFor(layer: Layer): Mapping {
  const key = /^PixelShuffle\d+x$/.test(layer.class_name) ? 'PixelShuffle' : layer.class_name;
  const mapping = LAYER_MAPPINGS[key];
  if (!mapping) fail(layer, `layer class ${layer.class_name} is not supported (supported: InputLayer, ${Object.keys(LAYER_MAPPINGS).join(', ')})`);
  return mapping;
}

/**
 * The ONNX nodes of a whole functional model. Its single input layer reads tensor `input`
 * (already NCHW, in the model's own value range); the output layer's tensor is returned.
 */
export function mapLayers(topology: unknown, weights: WeightMap, input: string): LayerGraph & { output: string } {
  const { config } = TopologySchema.parse(topology).model_config;
  if (config.input_layers.length !== 1 || config.output_layers.length !== 1) {
    throw new Error(`the model has ${config.input_layers.length} inputs and ${config.output_layers.length} outputs; one of each is supported`);
  }
  const inputLayer = config.input_layers[0]![0];
  const names = new Map<string, string>([[inputLayer, input]]);
  const nodes: NodeSpec[] = [];
  const initializers: Initializer[] = [];
  const used = new Set<string>();
  for (const layer of config.layers) {
    if (layer.class_name === 'InputLayer') {
      if (layer.name !== inputLayer) fail(layer, 'a second input is not supported');
      continue;
    }
    if (layer.inbound_nodes.length !== 1) fail(layer, `is called ${layer.inbound_nodes.length} times; shared layers are not supported`);
    const inputs = layer.inbound_nodes[0]!.map(([from, nodeIndex, tensorIndex]) => {
      const name = names.get(from);
      if (name === undefined || nodeIndex !== 0 || tensorIndex !== 0) fail(layer, `its input "${from}" [${nodeIndex}, ${tensorIndex}] is not an earlier layer's output`);
      return name;
    });
    const graph = mappingFor(layer)({ layer, inputs, weights });
    for (const init of graph.initializers) used.add(init.name.split('/')[0]!);
    nodes.push(...graph.nodes);
    initializers.push(...graph.initializers);
    names.set(layer.name, layer.name);
  }
  const output = names.get(config.output_layers[0]![0]);
  if (!output) throw new Error(`the output layer "${config.output_layers[0]![0]}" is not in the model`);
  const unused = [...weights.keys()].filter((k) => !used.has(k.split('/')[0]!));
  if (unused.length > 0) throw new Error(`weights no layer uses: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', …' : ''}`);
  return { nodes, initializers, output };
}
