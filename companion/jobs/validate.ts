// Checks a job before it is queued: every path resolved and checked, the range inside the
// clip, every step's check() (LUT readable, named model installed), the output writable.
// A failure names the field it concerns.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { JobSubmitParams } from '../../src/protocol/messages.js';
import type { StepSpec } from '../../src/protocol/recipe.js';
import { type Codec, CODEC_PRESETS, CodecError } from '../media/codecs.js';
import { MediaError } from '../media/probe.js';
import { OutputError } from '../pipeline/output.js';
import { prepareJob } from '../pipeline/process.js';
import { RangeRequestError } from '../pipeline/range.js';
import { StepOptionError } from '../steps/step.js';

export class ParamError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Checks that a path names a readable regular file. */
export async function checkReadableFile(field: string, path: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) throw new ParamError(field, `file not found: ${path}`);
  if (!info.isFile()) throw new ParamError(field, `not a regular file: ${path}`);
  await access(absolute, constants.R_OK).catch(() => {
    throw new ParamError(field, `not readable: ${path}`);
  });
  return absolute;
}

/** `<name>.refined.<ext>` beside the source (or in `dir`), numbered past names taken or reserved. */
async function freeOutputName(source: string, dir: string, codec: Codec, reserved: Set<string>): Promise<string> {
  const stem = basename(source, extname(source));
  const ext = CODEC_PRESETS[codec].containers[0]!;
  for (let n = 1; ; n++) {
    const candidate = join(dir, `${stem}.refined${n > 1 ? `-${n}` : ''}${ext}`);
    const taken = reserved.has(candidate) || (await stat(candidate).then(() => true, () => false));
    if (!taken) return candidate;
  }
}

export interface CheckedJob {
  source: string;
  output: string;
  codec: Codec;
  steps: StepSpec[];
  range?: { inS: number; outS: number };
  handles: number;
}

/** Everything the CLI would refuse, refused here before anything is queued. */
export async function checkSubmit(params: JobSubmitParams, stateDir: string, reserved: Set<string>): Promise<CheckedJob> {
  const source = await checkReadableFile('params.source', params.source);
  const codec = params.output?.codec ?? 'prores';
  let output: string;
  if (params.output?.path) {
    output = resolve(params.output.path);
    if (reserved.has(output)) throw new ParamError('params.output.path', `another queued job writes ${output}`);
  } else {
    const dir = resolve(params.output?.dir ?? dirname(source));
    output = await freeOutputName(source, dir, codec, reserved);
  }
  const handles = params.handles ?? 0;
  try {
    const job = await prepareJob({
      input: source,
      output,
      range: { inS: params.range?.inS, outS: params.range?.outS, handles },
      steps: params.steps,
      codec: params.output?.codec ?? (params.output?.path ? undefined : codec),
      stateDir,
    });
    return { source, output: job.output, codec: job.codec, steps: job.steps, range: params.range, handles };
  } catch (error) {
    if (error instanceof ParamError) throw error;
    throw new ParamError(fieldOf(error as Error), (error as Error).message);
  }
}

function fieldOf(error: Error): string {
  if (error instanceof StepOptionError) return error.field;
  if (error instanceof MediaError) return 'params.source';
  if (error instanceof RangeRequestError) return /^--handles/.test(error.message) ? 'params.handles' : 'params.range';
  if (error instanceof OutputError) return 'params.output';
  if (error instanceof CodecError) return 'params.output.codec';
  return 'params';
}
