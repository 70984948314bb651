// One frame before and after the recipe, as PNG, for the panel's before/after view. It runs
// beside the job queue, never behind it, on a picture scaled to the panel's width first.
import { stat } from 'node:fs/promises';
import type { StepSpec } from '../../src/protocol/recipe.js';
import { encodePng } from '../media/png.js';
import { type MediaInfo, probe } from '../media/probe.js';
import { toNumber } from '../media/rational.js';
import { inRunningOrder } from '../steps/index.js';
import type { Frame } from '../steps/step.js';
import { StepChain } from './chain.js';
import { FrameDecoder } from './decode.js';
import { type FrameRange, RangeRequestError, resolveRange } from './range.js';
import type { WorkerPool } from './workers.js';

export interface PreviewRequest {
  source: string;
  timeS: number;
  steps: StepSpec[];
  maxWidth?: number;
}

export interface Preview {
  before: string;
  after: string;
  width: number;
  height: number;
}

const DEFAULT_MAX_WIDTH = 960;

// Scrubbing previews the same clip again and again; its probe is kept while the file is unchanged.
const probes = new Map<string, { key: string; media: MediaInfo }>();
const PROBE_CACHE_SIZE = 32;

async function probeCached(source: string): Promise<MediaInfo> {
  const info = await stat(source);
  const key = `${info.size}:${info.mtimeMs}`;
  const hit = probes.get(source);
  if (hit?.key === key) return hit.media;
  const media = await probe(source);
  if (probes.size >= PROBE_CACHE_SIZE) probes.delete(probes.keys().next().value!);
  probes.set(source, { key, media });
  return media;
}

// Tweaking the recipe previews the same frame again; the decoded picture (the slow part) is
// kept for the last few frames asked for.
const decoded = new Map<string, { media: MediaInfo; frame: Frame; png: Buffer }>();
const DECODED_CACHE_SIZE = 4;

async function decodedFrame(media: MediaInfo, range: FrameRange, size: { width: number; height: number }) {
  const key = `${media.path}:${range.firstFrame}:${size.width}x${size.height}`;
  const hit = decoded.get(key);
  // The probe cache hands out the same MediaInfo while the file is unchanged.
  if (hit?.media === media) return hit;
  let frame: Frame | undefined;
  for await (const f of new FrameDecoder(media, range, size, 1)) frame = f;
  if (!frame) throw new Error(`no frame decoded at frame ${range.firstFrame}`);
  if (decoded.size >= DECODED_CACHE_SIZE) decoded.delete(decoded.keys().next().value!);
  const entry = { media, frame, png: encodePng(frame) };
  decoded.set(key, entry);
  return entry;
}

export async function previewFrame(request: PreviewRequest, stateDir: string, workers: WorkerPool): Promise<Preview> {
  const media = await probeCached(request.source);
  const fps = toNumber(media.rate);
  const frame = Math.floor(request.timeS * fps + 1e-6);
  if (frame >= media.frames) {
    throw new RangeRequestError(`timeS ${request.timeS} is outside the clip (${(media.frames / fps).toFixed(3)} s)`);
  }
  const range = resolveRange(media, { inS: frame / fps, outS: (frame + 1) / fps });
  const maxWidth = request.maxWidth ?? DEFAULT_MAX_WIDTH;
  // Even sizes keep every chroma subsampling happy downstream.
  const size =
    media.width > maxWidth
      ? { width: maxWidth - (maxWidth % 2), height: Math.max(2, Math.round((media.height * maxWidth) / media.width / 2) * 2) }
      : { width: media.width, height: media.height };
  const { frame: before, png: beforePng } = await decodedFrame(media, range, size);
  const chain = await StepChain.create(inRunningOrder(request.steps), media, size, stateDir, workers);
  try {
    // Steps may work in place, so they get a copy and `before` stays the source picture.
    const copy: Frame = { ...before, data: new Uint16Array(new SharedArrayBuffer(before.data.byteLength)) };
    copy.data.set(before.data);
    const after = [...(await chain.push(copy)), ...(await chain.flush())].at(-1) ?? copy;
    return {
      before: beforePng.toString('base64'),
      after: encodePng(after).toString('base64'),
      width: after.width,
      height: after.height,
    };
  } finally {
    await chain.close();
  }
}
