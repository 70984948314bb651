// One frame before and after the recipe, as PNG, for the panel's before/after view. It runs
// beside the job queue, never behind it, on a picture scaled to the panel's width first.
import { join } from 'node:path';
import type { StepSpec } from '../../src/protocol/recipe.js';
import { encodePng } from '../media/png.js';
import { type MediaInfo, probeCached } from '../media/probe.js';
import { frameTime, toNumber } from '../media/rational.js';
import { checkSteps, inRunningOrder } from '../steps/index.js';
import type { Frame } from '../steps/step.js';
import { StepChain } from './chain.js';
import { FrameDecoder, type Size } from './decode.js';
import { EarlyDecode, refillStandby } from './early-decode.js';
import { PreviewProxies, readProxyFrame } from './preview-proxy.js';
import { frameAt, previewSize } from './preview-size.js';
import { RangeRequestError, resolveRange } from './range.js';
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

// Scrubbing forward, or following playback, asks for a frame a little after the last one.
// The decoder that made the last one stays open and is read on, which costs the frames in
// between; a fresh seek decodes from the keyframe before the frame, plus ffmpeg's start.
const READ_ON_FRAMES = 24;
const OPEN_DECODER_IDLE_MS = 15_000;

interface OpenDecoder {
  key: string;
  media: MediaInfo;
  decoder: FrameDecoder;
  frames: AsyncIterator<Frame>;
  /** The frame the next read returns. */
  next: number;
  idle?: NodeJS.Timeout;
}

let open: OpenDecoder | undefined;
// One preview decodes at a time, so two requests never read the same decoder.
let decoding: Promise<unknown> = Promise.resolve();

function closeOpen(): void {
  if (!open) return;
  clearTimeout(open.idle);
  open.decoder.kill();
  open = undefined;
}

// Proxies by state folder (tests run several companions' worth in one process).
const proxyStores = new Map<string, PreviewProxies>();

function proxiesIn(stateDir: string): PreviewProxies {
  let store = proxyStores.get(stateDir);
  if (!store) proxyStores.set(stateDir, (store = new PreviewProxies(join(stateDir, 'cache', 'previews'))));
  return store;
}

/**
 * `started` is called once the read is under way (ffmpeg decoding, or the proxy being read);
 * `early` is a decode started beside the probe, taken where it serves.
 */
async function readFrame(media: MediaInfo, frame: number, size: Size, proxies: PreviewProxies, started: () => void, early?: EarlyDecode): Promise<Frame> {
  const proxy = await proxies.find(media, size);
  const reading = proxy && frame < proxy.frames ? readProxyFrame(proxy, frame) : readOn(media, frame, size, early);
  started();
  return reading;
}

async function readOn(media: MediaInfo, frame: number, size: Size, early?: EarlyDecode): Promise<Frame> {
  const key = `${media.path}:${size.width}x${size.height}`;
  if (!(open?.key === key && open.media === media && frame >= open.next && frame < open.next + READ_ON_FRAMES)) {
    closeOpen();
    // Open to the clip's end, so that later frames can be read on.
    const range = resolveRange(media, { inS: frameTime(frame, media.rate) });
    const decoder = early?.take(media, frame, size) ?? FrameDecoder.open(media, range, size, 1);
    open = { key, media, decoder, frames: decoder[Symbol.asyncIterator](), next: frame };
  }
  const reader = open;
  clearTimeout(reader.idle);
  try {
    for (;;) {
      const { value, done } = await reader.frames.next();
      if (done) throw new Error(`no frame decoded at frame ${frame}`);
      if (reader.next++ === frame) {
        reader.idle = setTimeout(closeOpen, OPEN_DECODER_IDLE_MS).unref();
        return value;
      }
      reader.decoder.recycle(value);
    }
  } catch (error) {
    closeOpen();
    throw error;
  }
}

// Tweaking the recipe previews the same frame again; the decoded picture (the slow part) is
// kept for the last few frames asked for.
const decoded = new Map<string, { media: MediaInfo; frame: Frame; png: Buffer }>();
const DECODED_CACHE_SIZE = 4;

async function decodedFrame(media: MediaInfo, frameNumber: number, size: Size, proxies: PreviewProxies, started: () => void, early?: EarlyDecode) {
  const key = `${media.path}:${frameNumber}:${size.width}x${size.height}`;
  const hit = decoded.get(key);
  // The probe cache hands out the same MediaInfo while the file is unchanged (the caches
  // here key on it).
  if (hit?.media === media) return hit;
  const read = decoding.then(() => readFrame(media, frameNumber, size, proxies, started, early));
  decoding = read.catch(() => undefined);
  const frame = await read;
  if (decoded.size >= DECODED_CACHE_SIZE) decoded.delete(decoded.keys().next().value!);
  const entry = { media, frame, png: encodePng(frame) };
  decoded.set(key, entry);
  return entry;
}

let asked = 0;
/** How many previews have been asked for: the warm-up gives way to a real one. */
export const previewsAsked = (): number => asked;

/** One frame before and after the recipe. */
export async function previewFrame(request: PreviewRequest, stateDir: string, workers: WorkerPool): Promise<Preview> {
  asked++;
  const { preview, media, size } = await renderPreview(request, stateDir, workers);
  // Until the proxy is there, this clip gets one built, started once this preview has been
  // answered, so that its decode does not compete with this one.
  const proxies = proxiesIn(stateDir);
  setImmediate(() => void proxies.build(media, size).catch(() => undefined));
  return preview;
}

/** A preview without building the clip's proxy (the warm-up's, of a clip that goes away). */
export async function renderPreview(request: PreviewRequest, stateDir: string, workers: WorkerPool): Promise<{ preview: Preview; media: MediaInfo; size: Size }> {
  // A clip not probed yet: its decode's ffmpeg starts beside the probe. Not taken, it is
  // stopped when this preview is over.
  const early = probeCached.holds(request.source) ? undefined : EarlyDecode.start(request.source, request.timeS, request.maxWidth ?? DEFAULT_MAX_WIDTH);
  try {
    return await render(request, stateDir, workers, early);
  } finally {
    early?.kill();
    if (early) setImmediate(refillStandby);
  }
}

async function render(request: PreviewRequest, stateDir: string, workers: WorkerPool, early: EarlyDecode | undefined): Promise<{ preview: Preview; media: MediaInfo; size: Size }> {
  const media = await probeCached(request.source);
  const frame = frameAt(request.timeS, media.rate);
  if (frame >= media.frames) {
    throw new RangeRequestError(`timeS ${request.timeS} is outside the clip (${(media.frames / toNumber(media.rate)).toFixed(3)} s)`);
  }
  await checkSteps(request.steps, stateDir);
  const size = previewSize(media, request.maxWidth ?? DEFAULT_MAX_WIDTH);
  // The steps get ready (a LUT parsed, a network opened) while ffmpeg decodes, from the
  // moment it has been started: their main-thread work must not delay its start.
  let chainReady: Promise<StepChain> | undefined;
  const stepsReady = () => {
    if (!chainReady) {
      chainReady = StepChain.create(inRunningOrder(request.steps), media, size, stateDir, workers, 1);
      // Awaited below; until then a failure must not count as unhandled.
      chainReady.catch(() => undefined);
    }
    return chainReady;
  };
  const { frame: before, png: beforePng } = await decodedFrame(media, frame, size, proxiesIn(stateDir), stepsReady, early).catch(async (error: unknown) => {
    await chainReady?.then((chain) => chain.close(), () => undefined);
    throw error;
  });
  const chain = await stepsReady();
  try {
    // Steps may work in place, so they get a copy and `before` stays the source picture.
    const copy: Frame = { ...before, data: new Uint16Array(new SharedArrayBuffer(before.data.byteLength)) };
    copy.data.set(before.data);
    const after = [...(await chain.push(copy)), ...(await chain.flush())].at(-1) ?? copy;
    const preview = {
      before: beforePng.toString('base64'),
      after: encodePng(after).toString('base64'),
      width: after.width,
      height: after.height,
    };
    return { preview, media, size };
  } finally {
    await chain.close();
  }
}
