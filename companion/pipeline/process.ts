// One job end to end: probe → range → decode → steps → encode (+audio, timecode) → rename
// → sidecar. The CLI and the companion's queue both call processClip().
import { stat } from 'node:fs/promises';
import type { StepSpec } from '../../src/protocol/recipe.js';
import { type Codec, CODEC_PRESETS, checkFrameSize, codecForOutput } from '../media/codecs.js';
import { outputColour } from '../media/colour.js';
import { hasAlpha, type MediaInfo, probeCached } from '../media/probe.js';
import { formatRational } from '../media/rational.js';
import { addFrames } from '../media/timecode.js';
import { checkSteps, inRunningOrder, outputSizeOf, stepDefinition } from '../steps/index.js';
import type { Frame } from '../steps/step.js';
import { VERSION } from '../version.js';
import { StepChain } from './chain.js';
import { FrameDecoder } from './decode.js';
import { FrameEncoder } from './encode.js';
import { inBands } from './frames.js';
import { checkOutput, commit, removeQuietly, temporaryName } from './output.js';
import { type RangeRequest, resolveRange } from './range.js';
import { sha256File, writeSidecar } from './sidecar.js';
import { WorkerPool } from './workers.js';

export interface Progress {
  frame: number;
  total: number;
  fps: number;
  etaS: number;
}

export interface ProcessRequest {
  input: string;
  output: string;
  range?: RangeRequest;
  steps: StepSpec[];
  codec?: string;
  stateDir: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Called once the source is probed and the job is known to be valid. */
  onStart?: (media: MediaInfo) => void;
  /** A long-lived pool to run on (the companion's); by default the job starts its own. */
  workers?: WorkerPool;
}

export interface ProcessResult {
  output: string;
  sidecar: string;
  frames: number;
  fps: string;
  width: number;
  height: number;
  seconds: number;
  steps: StepSpec[];
  handles: { head: number; tail: number };
  range: { inS: number; outS: number };
  codec: Codec;
  timecode: string;
  warnings: string[];
}

// A container that over-reports its frame count by a frame or two is common (edit lists,
// a trailing B-frame); the missing tail is repeated so the output length stays exact.
const MAX_PADDED_FRAMES = 2;
const PLANAR_KERNEL = new URL('./kernels.js', import.meta.url).href;

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

/** Validates everything that can be validated before any file is written. */
export async function prepareJob(request: ProcessRequest) {
  const media = await probeCached(request.input);
  const range = resolveRange(media, request.range ?? {});
  const codec = codecForOutput(request.output, request.codec);
  const output = await checkOutput(request.input, request.output);
  const parsed = request.steps.map((s) => stepDefinition(s.op).options.parse(s) as StepSpec);
  await checkSteps(parsed, request.stateDir);
  const steps = inRunningOrder(parsed);
  const size = outputSizeOf(steps, media.width, media.height);
  checkFrameSize(codec, size.width, size.height);
  return { media, range, codec, output, steps };
}

export async function processClip(request: ProcessRequest): Promise<ProcessResult> {
  const started = performance.now();
  const { media, range, codec, output, steps } = await prepareJob(request);
  request.onStart?.(media);
  const warnings = [...media.warnings];
  const colour = outputColour(media);
  if (colour.warning) warnings.push(colour.warning);
  if (hasAlpha(media.pixelFormat) && !CODEC_PRESETS[codec].alpha) {
    warnings.push(`the source's alpha channel is dropped: ${codec} has none (ProRes 4444 in .mov or FFV1 in .mkv keep it)`);
  }
  const timecode = addFrames(media.timecode ?? '00:00:00:00', range.firstFrame, media.rate);
  const sourceStat = await stat(media.path);
  const sourceHash = sha256File(media.path);
  sourceHash.catch(() => undefined);

  const workers = request.workers ?? new WorkerPool();
  const tempPath = temporaryName(output);
  let decoder: FrameDecoder | undefined;
  let encoder: FrameEncoder | undefined;
  const abort = () => {
    decoder?.kill();
    void encoder?.stop();
  };
  request.signal?.addEventListener('abort', abort);
  let chain: StepChain | undefined;
  try {
    if (request.signal?.aborted) throw new CancelledError();
    chain = await StepChain.create(steps, media, media, request.stateDir, workers);
    const { width, height } = chain;
    encoder = new FrameEncoder({
      media, codec, width, height, firstFrame: range.firstFrame, count: range.count, timecode,
      colour: colour.tags, tempPath, finalPath: output,
      metadata: { comment: `refined by refinery ${VERSION}` },
    });
    decoder = FrameDecoder.open(media, range);
    const framesStarted = performance.now();

    // Two planar buffers: one being written to ffmpeg while the next frame is converted.
    const planar = [0, 1].map(() => new Uint16Array(new SharedArrayBuffer(width * height * 6)));
    let written = 0;
    let pendingWrite: Promise<void> = Promise.resolve();
    let last: Frame | undefined;
    const emit = async (frame: Frame) => {
      if (frame.width !== width || frame.height !== height) throw new Error(`a step produced ${frame.width}x${frame.height}, expected ${width}x${height}`);
      const target = planar[written % 2]!;
      await inBands(workers, PLANAR_KERNEL, 'toPlanar', width, height, [frame.data, target]);
      if (last && last !== frame) decoder!.recycle(last);
      await pendingWrite;
      pendingWrite = encoder!.write(new Uint8Array(target.buffer));
      // A cancel or a failure can leave this write unawaited; its error is reported elsewhere.
      pendingWrite.catch(() => undefined);
      last = frame;
      written++;
      const elapsed = (performance.now() - framesStarted) / 1000;
      const fps = written / elapsed;
      request.onProgress?.({ frame: written, total: range.count, fps, etaS: (range.count - written) / fps });
    };

    let decoded = 0;
    for await (const frame of decoder) {
      if (request.signal?.aborted) throw new CancelledError();
      decoded++;
      for (const out of await chain.push(frame)) await emit(out);
    }
    if (request.signal?.aborted) throw new CancelledError();
    for (const out of await chain.flush()) await emit(out);
    const missing = range.count - written;
    if (missing > MAX_PADDED_FRAMES || !last) {
      throw new Error(`decoded ${decoded} frames of ${range.count} expected from ${media.path}`);
    }
    if (missing > 0) warnings.push(`source ended ${missing} frame(s) early; the last frame was repeated`);
    while (written < range.count) await emit(last);
    warnings.push(...chain.notes());
    await chain.close();
    await pendingWrite;
    await encoder.finish();
    if (request.signal?.aborted) throw new CancelledError();

    const outputHash = await sha256File(tempPath);
    const outputStat = await stat(tempPath);
    await commit(tempPath, output);
    const result: ProcessResult = {
      output,
      sidecar: '',
      frames: written,
      fps: formatRational(media.rate),
      width,
      height,
      seconds: 0,
      steps,
      handles: { head: range.head, tail: range.tail },
      range: { inS: range.inS, outS: range.outS },
      codec,
      timecode,
      warnings,
    };
    result.sidecar = await writeSidecar(output, {
      tool: { name: 'refinery', version: VERSION },
      createdAt: new Date().toISOString(),
      source: { path: media.path, sizeBytes: sourceStat.size, mtime: sourceStat.mtime.toISOString(), sha256: await sourceHash },
      range: { inS: range.inS, outS: range.outS, inFrame: range.inFrame, outFrame: range.outFrame },
      handles: result.handles,
      fps: result.fps,
      timecode,
      recipe: { steps, codec },
      output: { path: output, sizeBytes: outputStat.size, sha256: outputHash, frames: written, width, height },
      warnings,
    });
    result.seconds = Math.round((performance.now() - started) / 10) / 100;
    return result;
  } catch (error) {
    decoder?.kill();
    // The steps' memory goes back for the next job (closing twice is harmless).
    await chain?.close().catch(() => undefined);
    await encoder?.stop();
    await removeQuietly(tempPath);
    throw request.signal?.aborted ? new CancelledError() : error;
  } finally {
    request.signal?.removeEventListener('abort', abort);
    if (!request.workers) await workers.close();
  }
}

