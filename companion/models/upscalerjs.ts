// The MIT-licensed ESRGAN weights from npm (@upscalerjs/esrgan-slim|medium|thick), run as ONNX.
// They are installed with Refinery as npm packages in TF.js format; the first time one is
// needed it is converted (convert-tfjs.ts) into <stateDir>/models/converted/, under a name
// that carries the package version and the converter version, written under a temporary name
// and renamed. Nothing is downloaded: a package that is not installed is simply not listed.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { convertTfjsModel, type ValueRange } from './convert-tfjs.js';
import { writeFileAtomic } from '../write-atomic.js';
import type { Task } from './registry.js';

const require = createRequire(import.meta.url);

/** Bumped whenever the converter's output for the same weights changes. */
export const CONVERTER_VERSION = 1;
export const UPSCALERJS_VARIANTS = ['slim', 'medium', 'thick'] as const;
const SCALES = [2, 4] as const;

export interface ConvertibleModel {
  /** e.g. esrgan-slim-x2 */
  id: string;
  task: Task;
  scale: number;
  /** npm package name and version, e.g. @upscalerjs/esrgan-slim and 1.0.0. */
  package: string;
  version: string;
  licence: string;
  /** npm:<package>@<version> */
  source: string;
  /** The TF.js model folder (model.json + shards). */
  tfjsDir: string;
  /** Bytes of the TF.js weights (the ONNX file is the same size give or take a few kB). */
  weightBytes: number;
}

/** The installed package's folder, or undefined when it is not installed. */
function packageRoot(name: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  return undefined;
}

/** The package's own model definition: its value ranges and where the model lies. */
function definition(pkg: string, scale: number): ValueRange & { _internals: { path: string } } {
  return require(`${pkg}/${scale}x`) as ValueRange & { _internals: { path: string } };
}

let cached: ConvertibleModel[] | undefined;

/** Every @upscalerjs model this installation can convert, for the upscale tasks. */
export function upscalerjsModels(): ConvertibleModel[] {
  if (cached) return cached;
  cached = UPSCALERJS_VARIANTS.flatMap((variant) => {
    const pkg = `@upscalerjs/esrgan-${variant}`;
    const root = packageRoot(pkg);
    if (!root) return [];
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; license?: string };
    return SCALES.map((scale) => {
      const tfjsDir = join(root, dirname(definition(pkg, scale)._internals.path));
      const model = JSON.parse(readFileSync(join(tfjsDir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { shape: number[] }[] }[] };
      const weightBytes = model.weightsManifest.flatMap((g) => g.weights).reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
      return {
        id: `esrgan-${variant}-x${scale}`,
        task: `upscale-x${scale}` as Task,
        scale,
        package: pkg,
        version: manifest.version,
        licence: manifest.license ?? 'unknown',
        source: `npm:${pkg}@${manifest.version}`,
        tfjsDir,
        weightBytes,
      };
    });
  });
  return cached;
}

export function convertedDir(stateDir: string): string {
  return join(stateDir, 'models', 'converted');
}

/** Where a model's ONNX file lies once converted: keyed by package and converter version. */
export function convertedPath(stateDir: string, model: ConvertibleModel): string {
  return join(convertedDir(stateDir), `${model.id}@${model.version}-c${CONVERTER_VERSION}.onnx`);
}

/** The ONNX bytes of a model (converted now, nothing written). */
export async function convertUpscalerjs(model: ConvertibleModel): Promise<Uint8Array> {
  const def = definition(model.package, model.scale);
  return convertTfjsModel(model.tfjsDir, {
    name: model.id,
    inputRange: def.inputRange,
    outputRange: def.outputRange,
    metadata: { source: model.source, licence: model.licence, converter: `refinery convert-tfjs ${CONVERTER_VERSION}` },
  });
}

const inFlight = new Map<string, Promise<string>>();

/** The converted file's path, converting it first if this is the first use; atomic. */
export function ensureConverted(stateDir: string, model: ConvertibleModel): Promise<string> {
  const path = convertedPath(stateDir, model);
  const pending = inFlight.get(path);
  if (pending) return pending;
  const run = (async () => {
    if (await stat(path).then((s) => s.isFile(), () => false)) return path;
    await mkdir(dirname(path), { recursive: true });
    const bytes = await convertUpscalerjs(model);
    await writeFileAtomic(path, bytes);
    return path;
  })().finally(() => inFlight.delete(path));
  inFlight.set(path, run);
  return run;
}
