// The upscale step with the real @upscalerjs weights (converted into a temporary state folder).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { filterRaw, landscape, setFrameSize } from '../../bench/quality-clips.js';
import { detailFlicker, flickerIndex, luma } from '../../bench/quality-metrics.js';
import { temporalScenes } from '../../bench/upscale-clips.js';
import { inlinePool } from '../../test/support/kernels.js';
import { REPO } from '../../test/support/media.js';
import { gradient } from '../../test/support/planar.js';
import type { MediaInfo } from '../media/probe.js';
import { readBuiltIns, resolveModel } from '../models/registry.js';
import { sessionRunner } from '../models/runtime.js';
import { runTiled, type Planar } from '../models/tiling.js';
import type { Frame, StepInstance } from './step.js';
import { UPSCALE_TILES, upscalePasses, upscaleStep } from './upscale.js';
import { boxDown, matchLowFrequencies } from './upscale-lowpass.js';
import { framePlanar } from './upscale-planes.js';
import { DetailStabilizer } from './upscale-temporal.js';

let state: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refinery-upscale-'));
  state = join(dir, 'state');
});

function frame(width: number, height: number, data: Uint16Array): Frame {
  const shared = new Uint16Array(new SharedArrayBuffer(data.byteLength));
  shared.set(data);
  return { width, height, data: shared };
}

function create(scale: 2 | 4, width: number, height: number, model?: string): Promise<StepInstance> {
  const options = upscaleStep.options.parse({ op: 'upscale', scale, ...(model ? { model } : {}) });
  return upscaleStep.create(options, { source: {} as MediaInfo, width, height, stateDir: state, workers: inlinePool() });
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('the upscale step', () => {
  it('outputs exactly 2x and 4x the input size, odd sizes included, in shared memory for the steps after it', async () => {
    const photo = landscape(45, 27);
    for (const scale of [2, 4] as const) {
      const step = await create(scale, 45, 27);
      expect(step.outputSize(45, 27)).toEqual({ width: 45 * scale, height: 27 * scale });
      const [out] = await step.push(frame(45, 27, photo.data));
      expect([out!.width, out!.height, out!.data.length]).toEqual([45 * scale, 27 * scale, 45 * scale * 27 * scale * 3]);
      expect(out!.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(await step.flush()).toEqual([]);
      await step.close();
    }
  });

  // Tiles of 48 input pixels against one tile for the whole picture, with the step's context and overlap.
  // thick (the deepest, widest-seeing network, ~30x slim's work) on the photo alone, smaller, in smaller tiles.
  it.each([
    ['esrgan-slim-x2', 120, 72, 48, true],
    ['esrgan-medium-x2', 120, 72, 48, true],
    ['esrgan-thick-x2', 64, 48, 32, false],
    ['esrgan-slim-x4', 120, 72, 48, true],
  ] as const)('%s: a tiled and an untiled run agree within 1/255 (photo, and gradient)', async (id, width, height, tile, withGradient) => {
    const model = await resolveModel(state, id.endsWith('x4') ? 'upscale-x4' : 'upscale-x2', id);
    const session = await model.open({ provider: 'cpu' });
    const run = sessionRunner(session);
    for (const image of [framePlanar(landscape(width, height)), ...(withGradient ? [gradient(width, height)] : [])]) {
      const whole = await runTiled(image, run, { scale: model.scale, ...UPSCALE_TILES, tile: 512 });
      const tiled = await runTiled(image, run, { scale: model.scale, ...UPSCALE_TILES, tile });
      expect(maxDiff(whole.data, tiled.data)).toBeLessThanOrEqual(1 / 255);
    }
    await session.session.release();
  });

  it('names an unknown model and what is available', async () => {
    await expect(create(2, 16, 16, 'no-such-net')).rejects.toThrow(/unknown model "no-such-net" for upscale-x2; available: .*esrgan-slim-x2/);
  });
});

describe('keeping the upscaled picture true and steady', () => {
  it('pins the output’s low frequencies to the input: a brightness bias of the network is taken out', () => {
    const input = gradient(32, 24);
    const output: Planar = { data: new Float32Array(3 * 64 * 48), channels: 3, width: 64, height: 48 };
    // A perfect 2x upscale of the gradient, 0.05 too bright.
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 48; y++) for (let x = 0; x < 64; x++) output.data[(c * 48 + y) * 64 + x] = input.data[(c * 24 + (y >> 1)) * 32 + (x >> 1)]! + 0.05;
    const fixed = matchLowFrequencies(input, output, 2);
    expect(maxDiff(boxDown(fixed, 2).data, input.data)).toBeLessThan(0.01);
  });

  it('keeps the previous detail where the input did not change, and takes the new one after a cut', () => {
    const stabilizer = new DetailStabilizer(2);
    const input = gradient(32, 24);
    const out = (v: number): Planar => ({ data: new Float32Array(3 * 64 * 48).fill(v), channels: 3, width: 64, height: 48 });
    stabilizer.apply(input, out(0.3));
    // Same input, a network that invents different detail: the old output stays.
    expect(maxDiff(stabilizer.apply(input, out(0.6)).data, out(0.3).data)).toBeLessThan(1e-6);
    // A different picture: the network's new output is used as it is.
    const cut = gradient(32, 24);
    cut.data.reverse();
    expect(maxDiff(stabilizer.apply(cut, out(0.9)).data, out(0.9).data)).toBeLessThan(1e-6);
  });

  // The bar: flicker no more than 10% above lanczos's, on a static camera and a slow pan.
  it.each([
    ['a static camera', 0],
    ['a slow pan', 1],
  ] as const)('flickers no more than lanczos + 10%% on a noisy clip: %s', async (_name, which) => {
    const scene = temporalScenes(192, 128, 10, 2)[which]!;
    const [w, h] = [scene.width / 2, scene.height / 2];
    const step = await create(2, w, h);
    const ours: Uint16Array[] = [];
    for (const small of scene.small) ours.push(...(await step.push(frame(w, h, small))).map((f) => f.data));
    await step.close();
    setFrameSize(scene.width, scene.height);
    const lanczos = (await filterRaw(dir, scene.small, w, h, `scale=${scene.width}:${scene.height}:flags=lanczos`)).frames;
    const reference = scene.original.map(luma);
    const measure = (frames: Uint16Array[]) => {
      const l = frames.map(luma);
      return { ...flickerIndex(l, reference, scene.width, scene.height), detail: detailFlicker(l, reference, scene.width, scene.height) };
    };
    const [a, b] = [measure(ours), measure(lanczos)];
    expect(a.local).toBeLessThanOrEqual(1.1 * b.local);
    expect(a.global).toBeLessThanOrEqual(1.1 * b.global);
    expect(a.detail).toBeLessThanOrEqual(1.1 * b.detail);
  });
});

describe('which networks an upscale runs', () => {
  const own = readBuiltIns(join(REPO, 'models'));
  const ownX2 = own.find((m) => m.task === 'upscale-x2' && m.default)!;
  const ids = async (scale: 2 | 4, model?: string, builtIns = own) => (await upscalePasses((task, id) => resolveModel(state, task, id, builtIns), scale, model, builtIns)).map((r) => r.id);

  it('x4 without a default x4 of our own runs our default x2 twice; with one, that one', async () => {
    expect(ownX2).toBeDefined();
    expect(await ids(2)).toEqual([ownX2.id]);
    expect(await ids(4, undefined, own.filter((m) => m.task !== 'upscale-x4' || !m.default))).toEqual([ownX2.id, ownX2.id]);
    const x4 = own.find((m) => m.task === 'upscale-x4')!;
    expect(await ids(4, undefined, [...own.filter((m) => m.id !== x4.id), { ...x4, default: true }])).toEqual([x4.id]);
    // Without any model of our own: the ESRGAN x4.
    expect(await ids(4, undefined, [])).toEqual(['esrgan-slim-x4']);
  });

  it('a named x4 model runs once, an x2 model named for x4 twice, an unknown one is refused', async () => {
    expect(await ids(4, 'esrgan-medium')).toEqual(['esrgan-medium-x4']);
    expect(await ids(4, ownX2.id)).toEqual([ownX2.id, ownX2.id]);
    await expect(ids(4, 'esrgan-huge')).rejects.toThrow(/^unknown model "esrgan-huge" for upscale-x4; available: /);
  });
});
