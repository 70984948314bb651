// The model registry: which networks Refinery can run, and where their weights are.
//
// Built-in models ship with Refinery: our own trained weights in the repo's models/ folder,
// listed with their checksums in models/builtin.json (written by training/export). User models
// live in <stateDir>/models/ as <id>.onnx, described by models/index.json. A model enters the
// folder only after onnxruntime has loaded it and its inputs and outputs fit its task; it is
// written under a hidden temporary name and renamed, so a failure never leaves a half model.
// Nothing is ever downloaded implicitly: `refinery models fetch` is the only network access.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MODEL_ID } from '../../src/protocol/recipe.js';
import { writeFileAtomic } from '../write-atomic.js';
import { createSession, inferenceInfo, type ModelSession, type SessionOptions, type TensorInfo } from './runtime.js';
import { convertedPath, ensureConverted, upscalerjsModels, type ConvertibleModel } from './upscalerjs.js';

export const TASKS = ['upscale-x2', 'upscale-x4', 'clean', 'face'] as const;
export const TaskSchema = z.enum(TASKS);
export type Task = z.infer<typeof TaskSchema>;

/** Output size / input size of a task's network. */
export function taskScale(task: Task): number {
  return task === 'upscale-x2' ? 2 : task === 'upscale-x4' ? 4 : 1;
}

export { MODEL_ID };
const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lowercase hex');

const TensorInfoSchema = z.object({ name: z.string(), shape: z.array(z.union([z.number(), z.string()])), type: z.string() });

export const ModelEntrySchema = z.object({
  id: z.string().regex(MODEL_ID),
  task: TaskSchema,
  file: z.string(),
  sha256: Sha256Schema,
  size: z.number().int().nonnegative(),
  /** "user:<original path>" for `models add`, the download address for `models fetch`. */
  source: z.string(),
  licence: z.string().optional(),
  addedAt: z.string(),
  inputs: z.array(TensorInfoSchema),
  outputs: z.array(TensorInfoSchema),
});
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

const IndexSchema = z.object({ version: z.literal(1), models: z.array(ModelEntrySchema) });

export const BuiltInEntrySchema = ModelEntrySchema.extend({
  /** The model a task uses when the recipe names none. */
  default: z.boolean().default(false),
});
export type BuiltInEntry = z.infer<typeof BuiltInEntrySchema> & { path: string };

/** The repo's models/ folder: found from this module up, as it runs from dist/ or from source. */
export const BUILT_IN_DIR = (() => {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'models');
})();

/** Reads a built-in manifest; a missing one means no built-in models. */
export function readBuiltIns(dir: string): BuiltInEntry[] {
  let text: string;
  try {
    text = readFileSync(join(dir, 'builtin.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const manifest = z.object({ version: z.literal(1), models: z.array(BuiltInEntrySchema) }).parse(JSON.parse(text));
  return manifest.models.map((m) => ({ ...m, path: join(dir, m.file) }));
}

/** Models that ship with Refinery (issue "Our own models"). */
export const BUILT_IN_MODELS: readonly BuiltInEntry[] = readBuiltIns(BUILT_IN_DIR);

export type ModelOrigin = 'built-in' | 'converted' | 'user';

export interface ModelListing extends Omit<ModelEntry, 'sha256'> {
  /** Of the ONNX file; absent for a converted model not converted yet. */
  sha256?: string;
  scale: number;
  format: 'onnx';
  builtIn: boolean;
  /** Shipped trained weights, npm weights converted on first use, or the user's own. */
  origin: ModelOrigin;
  /** Ready to run: the file is there (a converted model: its npm package is installed). */
  installed: boolean;
  /** A converted model: whether its ONNX file has been written yet (on first use). */
  converted?: boolean;
  path: string;
  /** Where it would run (the probed execution provider). */
  provider: string;
}

export function modelsDir(stateDir: string): string {
  return join(stateDir, 'models');
}

function indexPath(stateDir: string): string {
  return join(modelsDir(stateDir), 'index.json');
}

async function readIndex(stateDir: string): Promise<ModelEntry[]> {
  let text: string;
  try {
    text = await readFile(indexPath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    return IndexSchema.parse(JSON.parse(text)).models;
  } catch (error) {
    throw new Error(`${indexPath(stateDir)} is not a valid model index (${(error as Error).message.split('\n')[0]}); move it away to start afresh`);
  }
}

// Index updates in this process run one after another.
let indexLock: Promise<unknown> = Promise.resolve();
function withIndex<T>(stateDir: string, update: (models: ModelEntry[]) => Promise<{ models: ModelEntry[]; result: T }>): Promise<T> {
  const run = indexLock.then(async () => {
    const { models, result } = await update(await readIndex(stateDir));
    await writeFileAtomic(indexPath(stateDir), `${JSON.stringify({ version: 1, models }, null, 2)}\n`);
    return result;
  });
  indexLock = run.catch(() => undefined);
  return run;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

// A converted file only changes by being replaced, so its hash is kept per path, size and time.
const hashes = new Map<string, { key: string; sha256: string }>();

async function sha256Of(path: string, size: number, mtimeMs: number): Promise<string> {
  const key = `${size}:${mtimeMs}`;
  const known = hashes.get(path);
  if (known?.key === key) return known.sha256;
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  const sha256 = hash.digest('hex');
  hashes.set(path, { key, sha256 });
  return sha256;
}

/** A converted model as listed: its file and checksum once converted, the package's size before. */
async function convertedListing(stateDir: string, m: ConvertibleModel, provider: string): Promise<ModelListing> {
  const path = convertedPath(stateDir, m);
  const file = await stat(path).catch(() => undefined);
  const converted = !!file?.isFile();
  return {
    id: m.id,
    task: m.task,
    file: basename(path),
    ...(converted ? { sha256: await sha256Of(path, file!.size, file!.mtimeMs) } : {}),
    size: converted ? file!.size : m.weightBytes,
    source: m.source,
    licence: m.licence,
    addedAt: converted ? file!.mtime.toISOString() : '',
    inputs: [{ name: 'input', shape: ['N', 3, 'H', 'W'], type: 'float32' }],
    outputs: [{ name: 'output', shape: ['N', 3, 'H_out', 'W_out'], type: 'float32' }],
    scale: m.scale,
    format: 'onnx',
    builtIn: false,
    origin: 'converted',
    installed: true,
    converted,
    path,
    provider,
  };
}

/** Every model Refinery knows: built-in ones first, then the converted npm weights, then the user's. */
export async function listModels(stateDir: string): Promise<ModelListing[]> {
  const provider = inferenceInfo().provider;
  const user = await readIndex(stateDir);
  const listing = async (m: ModelEntry & { path?: string }, origin: ModelOrigin): Promise<ModelListing> => {
    const path = m.path ?? join(modelsDir(stateDir), m.file);
    return { ...m, scale: taskScale(m.task), format: 'onnx', builtIn: origin === 'built-in', origin, installed: await exists(path), path, provider };
  };
  return [
    ...(await Promise.all(BUILT_IN_MODELS.map((m) => listing(m, 'built-in')))),
    ...(await Promise.all(upscalerjsModels().map((m) => convertedListing(stateDir, m, provider)))),
    ...(await Promise.all(user.map((m) => listing(m, 'user')))),
  ];
}

/** The model a step runs: its ONNX file exists (converted now if this is its first use). */
export interface ResolvedModel {
  id: string;
  task: Task;
  scale: number;
  path: string;
  origin: ModelOrigin;
  source: string;
  licence?: string;
  /** Opens it in onnxruntime (best provider, CPU fallback; see runtime.ts). */
  open(options?: SessionOptions): Promise<ModelSession>;
}

/** The fallback when no built-in model is the task's default: the slim ESRGAN of that scale. */
const FALLBACK: Partial<Record<Task, string>> = { 'upscale-x2': 'esrgan-slim-x2', 'upscale-x4': 'esrgan-slim-x4' };

type Candidate = { id: string; task: Task; source: string; licence?: string; origin: ModelOrigin; path: () => Promise<string> };

/**
 * The model a task would run, without converting or opening it: `id` when given (built-in,
 * converted or the user's; `<id>-x2` also matches for an upscale-x2 task, so "esrgan-medium"
 * works), else the built-in model marked default for the task, else the slim ESRGAN of the
 * task's scale. Throws one line naming what is available when nothing fits.
 */
export async function findModel(stateDir: string, task: Task, id?: string, builtIns: readonly BuiltInEntry[] = BUILT_IN_MODELS): Promise<Candidate> {
  const user = await readIndex(stateDir);
  const candidates: Candidate[] = [
    ...builtIns.map((m) => ({ ...m, origin: 'built-in' as const, path: async () => m.path })),
    ...upscalerjsModels().map((m) => ({ id: m.id, task: m.task, source: m.source, licence: m.licence, origin: 'converted' as const, path: () => ensureConverted(stateDir, m) })),
    ...user.map((m) => ({ ...m, origin: 'user' as const, path: async () => join(modelsDir(stateDir), m.file) })),
  ];
  const scale = taskScale(task);
  const wanted = id ?? builtIns.find((m) => m.task === task && m.default)?.id ?? FALLBACK[task];
  const forTask = candidates.filter((c) => c.task === task);
  const found = wanted === undefined ? undefined : (forTask.find((c) => c.id === wanted) ?? forTask.find((c) => scale > 1 && c.id === `${wanted}-x${scale}`));
  if (!found) {
    const available = forTask.map((c) => c.id).join(', ') || `none (refinery models add <file.onnx> --task ${task})`;
    const other = candidates.find((c) => c.id === wanted);
    const why = other ? `model "${wanted}" is for ${other.task}, not ${task}` : wanted === undefined ? `no ${task} model` : `unknown model "${wanted}" for ${task}`;
    throw new Error(`${why}; available: ${available}`);
  }
  return found;
}

/** The model to run for a task (see findModel), its ONNX file present: converted now if this is its first use. */
export async function resolveModel(stateDir: string, task: Task, id?: string, builtIns: readonly BuiltInEntry[] = BUILT_IN_MODELS): Promise<ResolvedModel> {
  const found = await findModel(stateDir, task, id, builtIns);
  const path = await found.path();
  if (!(await exists(path))) throw new Error(`model "${found.id}" is listed but its file ${path} is missing`);
  return {
    id: found.id,
    task,
    scale: taskScale(task),
    path,
    origin: found.origin,
    source: found.source,
    ...(found.licence ? { licence: found.licence } : {}),
    open: (options) => createSession(path, options),
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

function dims(t: TensorInfo): string {
  return `[${t.shape.join(', ')}]`;
}

/** Checks that a network's first input and output fit an image task; throws one line saying why not. */
export function checkSignature(task: Task, inputs: TensorInfo[], outputs: TensorInfo[]): void {
  const input = inputs[0];
  const output = outputs[0];
  if (!input || !output) throw new Error('the model has no input or no output');
  for (const [what, t] of [
    ['input', input],
    ['output', output],
  ] as const) {
    if (t.type !== 'float32') throw new Error(`its ${what} "${t.name}" is ${t.type}, not float32`);
    if (t.shape.length !== 4) throw new Error(`its ${what} "${t.name}" is ${dims(t)}, not an image batch [N, 3, H, W]`);
    const channels = t.shape[1];
    if (typeof channels === 'number' && channels !== 3) throw new Error(`its ${what} "${t.name}" has ${channels} channels, not 3 (RGB)`);
  }
  const scale = taskScale(task);
  for (const axis of [2, 3]) {
    const i = input.shape[axis];
    const o = output.shape[axis];
    if (typeof i === 'number' && typeof o === 'number' && o !== i * scale) {
      throw new Error(`a ${task} model must output ${scale}x its input, but this one maps ${dims(input)} to ${dims(output)}`);
    }
  }
  if (task === 'face') {
    const [h, w] = [input.shape[2], input.shape[3]];
    if (typeof h === 'number' && typeof w === 'number' && h !== w) throw new Error(`a face model takes square crops, but this one takes ${dims(input)}`);
  }
}

export interface InstallInfo {
  id: string;
  task: Task;
  source: string;
  licence?: string;
  sha256: string;
  size: number;
}

/**
 * Validates a complete model file that already lies in the models folder under a temporary
 * name, then renames it to <id>.onnx and records it. The temporary file is gone afterwards,
 * whatever happens.
 */
export async function installFile(stateDir: string, temp: string, info: InstallInfo): Promise<ModelEntry> {
  try {
    let model;
    try {
      model = await createSession(temp, { provider: 'cpu', threads: 1 });
    } catch (error) {
      throw new Error(`not a loadable ONNX model: ${firstLine(error).replace(/^Load model from .* failed: ?/, '')}`);
    }
    const { inputs, outputs } = model;
    await model.session.release();
    checkSignature(info.task, inputs, outputs);
    return await withIndex(stateDir, async (models) => {
      const same = models.find((m) => m.id === info.id);
      if (same && same.sha256 === info.sha256 && same.task === info.task && (await exists(join(modelsDir(stateDir), same.file)))) {
        return { models, result: same };
      }
      if (same) throw new Error(`a model with id "${info.id}" is already installed (${same.task}, from ${same.source}); choose another id`);
      const file = `${info.id}.onnx`;
      await rename(temp, join(modelsDir(stateDir), file));
      const entry: ModelEntry = {
        id: info.id,
        task: info.task,
        file,
        sha256: info.sha256,
        size: info.size,
        source: info.source,
        ...(info.licence ? { licence: info.licence } : {}),
        addedAt: new Date().toISOString(),
        inputs,
        outputs,
      };
      return { models: [...models, entry], result: entry };
    });
  } finally {
    await rm(temp, { force: true });
  }
}

export function defaultModelId(file: string): string {
  const id = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return id || 'model';
}

export interface AddOptions {
  task: Task;
  id?: string;
  licence?: string;
}

/** `refinery models add`: validates a local .onnx file and copies it into the models folder. */
export async function addModel(stateDir: string, file: string, options: AddOptions): Promise<ModelEntry> {
  const source = resolve(file);
  const task = TaskSchema.parse(options.task);
  const id = options.id ?? defaultModelId(source);
  if (!MODEL_ID.test(id)) throw new Error(`model id "${id}" must be letters, digits, ".", "_" or "-" (at most 64)`);
  const s = await stat(source).catch(() => undefined);
  if (!s?.isFile()) throw new Error(`${file}: no such file`);
  const dir = modelsDir(stateDir);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${id}.onnx.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      createReadStream(source),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(temp, { mode: 0o644 }),
    );
    const handle = await open(temp, 'r+');
    await handle.sync().finally(() => handle.close());
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  try {
    return await installFile(stateDir, temp, { id, task, source: `user:${source}`, sha256: hash.digest('hex'), size, ...(options.licence ? { licence: options.licence } : {}) });
  } catch (error) {
    throw new Error(`${file}: ${firstLine(error)}`);
  }
}
