// Converts a TF.js layers model (model.json + weight shards) into an ONNX model that follows
// Refinery's convention: input "input" float32 NCHW [N, 3, H, W] RGB in [0, 1], output "output"
// float32 NCHW in [0, 1]. The model's own value range (ESRGAN's RDN models take 0..255) is
// applied inside the graph, and the output is clipped. Deterministic: the same files give the
// same bytes (no timestamps; layers, weights and metadata in a fixed order).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { encodeModel, type Initializer, type NodeSpec } from './onnx-proto.js';
import { mapLayers, type WeightMap } from './tfjs-layers.js';

const ModelJsonSchema = z.object({
  format: z.literal('layers-model'),
  modelTopology: z.unknown(),
  weightsManifest: z.array(
    z.object({
      paths: z.array(z.string()),
      weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.string(), quantization: z.unknown().optional() })),
    }),
  ),
});
export type ModelJson = z.infer<typeof ModelJsonSchema>;

export interface ValueRange {
  /** The values the TF.js model takes and gives for black and white, e.g. [0, 255]. */
  inputRange: [number, number];
  outputRange: [number, number];
}

export interface ConvertOptions extends ValueRange {
  /** The graph's name and the model's metadata (source, licence) to record in the file. */
  name: string;
  metadata?: Record<string, string>;
}

/** Splits concatenated shard bytes into named float32 weights, in manifest order. */
export function readWeights(manifest: ModelJson['weightsManifest'], shards: Uint8Array[]): WeightMap {
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  manifest.forEach((group, g) => {
    const bytes = shards[g]!;
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.dtype !== 'float32' || spec.quantization !== undefined) throw new Error(`weight "${spec.name}" is ${spec.dtype}${spec.quantization ? ' (quantized)' : ''}; only float32 is supported`);
      const count = spec.shape.reduce((a, b) => a * b, 1);
      if (offset + count * 4 > bytes.length) throw new Error(`the weight files end before weight "${spec.name}"`);
      // Copy: shard bytes need not be 4-byte aligned, and the map outlives them.
      const data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + count * 4));
      weights.set(spec.name, { shape: spec.shape, data });
      offset += count * 4;
    }
    if (offset !== bytes.length) throw new Error(`weight group ${g + 1} has ${bytes.length - offset} bytes no weight uses`);
  });
  return weights;
}

/** Reads model.json and its shards (each group's paths, concatenated) from a folder. */
export async function readTfjsModel(dir: string): Promise<{ json: ModelJson; weights: WeightMap }> {
  const json = ModelJsonSchema.parse(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')));
  const shards = await Promise.all(json.weightsManifest.map(async (group) => Buffer.concat(await Promise.all(group.paths.map((p) => readFile(join(dir, p)))))));
  return { json, weights: readWeights(json.weightsManifest, shards) };
}

/** y = x * scale + offset as graph nodes (nothing when it is the identity). */
function affine(x: string, out: string, scale: number, offset: number): { nodes: NodeSpec[]; initializers: Initializer[] } {
  if (scale === 1 && offset === 0) return { nodes: [{ op: 'Identity', inputs: [x], outputs: [out] }], initializers: [] };
  return {
    nodes: [
      { op: 'Mul', inputs: [x, `${out}/scale`], outputs: [`${out}/scaled`] },
      { op: 'Add', inputs: [`${out}/scaled`, `${out}/offset`], outputs: [out] },
    ],
    initializers: [
      { name: `${out}/scale`, dims: [], data: Float32Array.of(scale) },
      { name: `${out}/offset`, dims: [], data: Float32Array.of(offset) },
    ],
  };
}

/** The whole ONNX model for a parsed TF.js layers model. */
export function tfjsToOnnx(json: ModelJson, weights: WeightMap, options: ConvertOptions): Uint8Array {
  const [i0, i1] = options.inputRange;
  const [o0, o1] = options.outputRange;
  if (!(i1 > i0) || !(o1 > o0)) throw new Error('value ranges must go from black to a larger white');
  const pre = affine('input', 'model_input', i1 - i0, i0);
  const body = mapLayers(json.modelTopology, weights, 'model_input');
  const post = affine(body.output, 'unclipped', 1 / (o1 - o0), -o0 / (o1 - o0));
  return encodeModel({
    name: options.name,
    inputs: [{ name: 'input', shape: ['N', 3, 'H', 'W'] }],
    outputs: [{ name: 'output', shape: ['N', 3, 'H_out', 'W_out'] }],
    nodes: [...pre.nodes, ...body.nodes, ...post.nodes, { op: 'Clip', inputs: ['unclipped', 'clip/min', 'clip/max'], outputs: ['output'] }],
    initializers: [
      ...pre.initializers,
      ...body.initializers,
      ...post.initializers,
      { name: 'clip/min', dims: [], data: Float32Array.of(0) },
      { name: 'clip/max', dims: [], data: Float32Array.of(1) },
    ],
    opset: 17,
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
}

/** Reads a TF.js layers model folder and returns its ONNX bytes. */
export async function convertTfjsModel(dir: string, options: ConvertOptions): Promise<Uint8Array> {
  const { json, weights } = await readTfjsModel(dir);
  return tfjsToOnnx(json, weights, options);
}
