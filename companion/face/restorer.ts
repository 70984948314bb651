// What turns a canonical face crop into a restored one. Two kinds:
//  - a face model from the registry (task "face"): GFPGAN v1.4-compatible, [1,3,S,S] RGB in
//    [-1, 1] in and out, or CodeFormer, which also takes a fidelity weight;
//  - without one, the shipped super-resolution networks: the crop is brought down to about
//    the face's own resolution and super-resolved back to 512, which redraws it cleanly at
//    the face's scale (it lifts compression damage; it cannot invent lost detail as GFPGAN does).
import { listModels, resolveModel, type Task } from '../models/registry.js';
import { type ModelSession, onnxruntime, sessionRunner } from '../models/runtime.js';
import { type Planar, runTiled } from '../models/tiling.js';
import { TEMPLATE_SIZE } from './align.js';
import { downsample } from './warp.js';

export interface Restorer {
  /** Which network restores faces, for the job's notes. */
  readonly description: string;
  /** Side of the canonical crop it takes and gives. */
  readonly size: number;
  /** Restores a crop (planar RGB in [0, 1]); `faceSize` is the crop's size in frame pixels. */
  restore(crop: Planar, faceSize: number): Promise<Planar>;
  close(): Promise<void>;
}

/** A model the registry can open. */
export interface OpenableModel {
  id: string;
  open(): Promise<ModelSession>;
}

/** Where the face step gets its networks (the registry; tests give fixtures). */
export interface FaceModelSource {
  /** The face model named `id`, else the installed one; undefined when none is installed. */
  face(id?: string): Promise<OpenableModel | undefined>;
  /** The super-resolution model for this factor, loaded when first needed; undefined when there is none. */
  upscale(scale: 2 | 4): Promise<LazyModel | undefined>;
}

/** A model resolved and opened only when first needed (npm weights are converted on first use). */
export interface LazyModel {
  load(): Promise<{ id: string; session: ModelSession }>;
}

/** CodeFormer's balance between fidelity to the input (1) and quality (0); its authors suggest 0.5 to 0.7. */
export const CODEFORMER_FIDELITY = 0.7;

function clamp01(v: number): number {
  return v <= 0 ? 0 : v >= 1 ? 1 : v;
}

/** A GFPGAN/CodeFormer-style model: first input the crop in [-1, 1], an optional scalar second input the fidelity. */
export function faceModelRestorer(model: ModelSession, id: string): Restorer {
  const [image, fidelity] = model.inputs;
  const output = model.outputs[0];
  if (!image || !output) throw new Error(`face model ${id} has no input or no output`);
  const side = image.shape[2];
  const size = typeof side === 'number' ? side : TEMPLATE_SIZE;
  return {
    description: `face model ${id}`,
    size,
    async restore(crop) {
      const { Tensor } = onnxruntime();
      const x = new Float32Array(crop.data.length);
      for (let i = 0; i < x.length; i++) x[i] = crop.data[i]! * 2 - 1;
      const feeds: Record<string, InstanceType<typeof Tensor>> = { [image.name]: new Tensor('float32', x, [1, 3, size, size]) };
      if (fidelity) {
        const dims = fidelity.shape.length === 0 ? [] : [1];
        feeds[fidelity.name] = fidelity.type === 'float64' ? new Tensor('float64', Float64Array.of(CODEFORMER_FIDELITY), dims) : new Tensor('float32', Float32Array.of(CODEFORMER_FIDELITY), dims);
      }
      const y = (await model.session.run(feeds))[output.name]!;
      if (y.type !== 'float32' || y.data.length !== x.length) throw new Error(`face model ${id} gave ${y.type} [${y.dims.join(', ')}], not float32 [1, 3, ${size}, ${size}]`);
      const data = y.data as Float32Array;
      const out = new Float32Array(x.length);
      for (let i = 0; i < out.length; i++) out[i] = clamp01((data[i]! + 1) / 2);
      return { data: out, channels: 3, height: size, width: size };
    },
    close: () => model.session.release(),
  };
}

export interface ScaleModel extends LazyModel {
  scale: number;
}

/**
 * Picks the super-resolution factor for a face: the largest one whose reduced crop still keeps
 * at least 3/4 of the face's own pixels (a larger factor would discard real detail), else the smallest.
 */
export function pickScale(scales: readonly number[], faceSize: number, size = TEMPLATE_SIZE): number {
  const sorted = [...scales].sort((a, b) => a - b);
  const fitting = sorted.filter((s) => size / s >= 0.75 * faceSize);
  return fitting.length > 0 ? fitting[fitting.length - 1]! : sorted[0]!;
}

/** The fallback: super-resolution models (upscale-x2 and/or -x4, [0, 1] in and out) over the reduced crop. */
export function superResolutionRestorer(models: ScaleModel[]): Restorer {
  if (models.length === 0) throw new Error('no super-resolution model to restore faces with');
  const byScale = new Map(models.map((m) => [m.scale, m]));
  const sessions = new Map<number, Promise<{ id: string; session: ModelSession }>>();
  const used = new Set<string>();
  const session = async (scale: number) => {
    let s = sessions.get(scale);
    if (!s) sessions.set(scale, (s = byScale.get(scale)!.load()));
    const loaded = await s;
    used.add(loaded.id);
    return loaded.session;
  };
  return {
    get description() {
      return `super-resolution (${[...used].join(', ') || 'not needed'}) at the face's own scale, as no face model is installed`;
    },
    size: TEMPLATE_SIZE,
    async restore(crop, faceSize) {
      const scale = pickScale([...byScale.keys()], faceSize);
      const small = downsample(crop, scale);
      const out = await runTiled(small, sessionRunner(await session(scale)), { scale, tile: small.width, context: 8 });
      for (let i = 0; i < out.data.length; i++) out.data[i] = clamp01(out.data[i]!);
      return out;
    },
    close: async () => {
      await Promise.all([...sessions.values()].map(async (s) => (await s.catch(() => undefined))?.session.session.release()));
    },
  };
}

/**
 * The registry as a source of face networks. Face models are never built in: the user's are
 * used, `gfpgan-1.4` first when several are installed, else the newest. Nothing is downloaded.
 */
export function registryModels(stateDir: string): FaceModelSource {
  const open = async (task: Task, id: string): Promise<OpenableModel> => {
    const model = await resolveModel(stateDir, task, id);
    return { id: model.id, open: () => model.open() };
  };
  let listing: ReturnType<typeof listModels> | undefined;
  const installed = async (task: Task) => (await (listing ??= listModels(stateDir))).filter((m) => m.task === task && m.installed);
  return {
    async face(id) {
      if (id) return open('face', id);
      const faces = await installed('face');
      const chosen = faces.find((m) => m.id === 'gfpgan-1.4') ?? faces.sort((a, b) => (a.addedAt < b.addedAt ? 1 : -1))[0];
      return chosen ? open('face', chosen.id) : undefined;
    },
    async upscale(scale) {
      // The task's default (a built-in or the npm ESRGAN, converted when first used).
      const task: Task = `upscale-x${scale}`;
      if ((await installed(task)).length === 0) return undefined;
      return {
        async load() {
          const model = await resolveModel(stateDir, task);
          return { id: model.id, session: await model.open() };
        },
      };
    },
  };
}

/**
 * The restorer a face step uses: the named model, else the installed face model, else the
 * super-resolution fallback. Says what is missing when there is nothing to run.
 */
export async function openRestorer(models: FaceModelSource, modelId?: string): Promise<Restorer> {
  const face = await models.face(modelId);
  if (face) return faceModelRestorer(await face.open(), face.id);
  const scales: ScaleModel[] = [];
  for (const scale of [4, 2] as const) {
    const sr = await models.upscale(scale);
    if (sr) scales.push({ load: () => sr.load(), scale });
  }
  if (scales.length === 0) {
    throw new Error('face restoration needs a face model (refinery models fetch gfpgan-1.4, or refinery models add <file.onnx> --task face) or an upscale model; none is installed');
  }
  return superResolutionRestorer(scales);
}
