import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlinePool } from '../../test/support/kernels.js';
import { makeClip, tempDir } from '../../test/support/media.js';
import { encodePng } from '../media/png.js';
import { type MediaInfo, probe } from '../media/probe.js';
import { FrameDecoder } from './decode.js';
import { previewFrame } from './preview.js';
import { PreviewProxies, readProxyFrame } from './preview-proxy.js';
import { resolveRange } from './range.js';

let dir: string;
let clip: string;
let media: MediaInfo;
const workers = inlinePool();

beforeAll(async () => {
  dir = await tempDir();
  // Long GOPs, as AI clips come: a seek decodes from the keyframe before the frame.
  clip = await makeClip(join(dir, 'clip.mp4'), { seconds: 3, audio: false, args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '250', '-bf', '2'] });
  media = await probe(clip);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The frame as a one-frame decode (a fresh seek) gives it. */
async function seeked(frame: number): Promise<string> {
  const fps = 25;
  for await (const f of FrameDecoder.open(media, resolveRange(media, { inS: frame / fps, outS: (frame + 1) / fps }), undefined, 1)) {
    return encodePng(f).toString('base64');
  }
  throw new Error('nothing decoded');
}

async function allFrames(decoder: FrameDecoder): Promise<string[]> {
  const out: string[] = [];
  for await (const f of decoder) out.push(encodePng(f).toString('base64'));
  return out;
}

async function proxyIn(folder: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const done = (await readdir(folder).catch(() => [])).find((n) => n.endsWith('.rgb48'));
    if (done) return join(folder, done);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no proxy was built');
}

describe('preview proxies', () => {
  it('hold exactly the frames a direct decode gives, at preview size, each read alone', async () => {
    const proxies = new PreviewProxies(join(dir, 'proxies'));
    const size = { width: 160, height: 90 };
    await proxies.build(media, size);
    const proxy = await proxies.find(media, size);
    expect(proxy?.frames).toBe(75);
    const direct = await allFrames(FrameDecoder.open(media, resolveRange(media, {}), size, 1));
    for (const n of [0, 1, 37, 74]) expect(encodePng(await readProxyFrame(proxy!, n)).toString('base64'), `frame ${n}`).toBe(direct[n]);
    await expect(readProxyFrame(proxy!, 75)).rejects.toThrow(/no frame 75/);
    // Another size is another proxy; nothing half-built is left.
    expect(await proxies.find(media, { width: 320, height: 180 })).toBeUndefined();
    expect((await readdir(join(dir, 'proxies'))).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('belong to the clip as it was: an edited source has none until it is built again', async () => {
    const proxies = new PreviewProxies(join(dir, 'edited'));
    const size = { width: 64, height: 36 };
    const copy = join(dir, 'edited.mp4');
    await copyFile(clip, copy);
    await proxies.build(await probe(copy), size);
    expect(await proxies.find(await probe(copy), size)).toBeDefined();
    await makeClip(copy, { seconds: 1, audio: false, source: 'testsrc2=s=320x180:r=25:d=1' });
    expect(await proxies.find(await probe(copy), size)).toBeUndefined();
  });

  it('are built after the first preview of a clip; later previews come from them, the same pictures', async () => {
    const state = await tempDir();
    await previewFrame({ source: clip, timeS: 0.2, steps: [] }, state, workers);
    await proxyIn(join(state, 'cache', 'previews'));
    for (const frame of [70, 2, 41]) {
      const preview = await previewFrame({ source: clip, timeS: frame / 25, steps: [] }, state, workers);
      expect(preview.before, `frame ${frame}`).toBe(await seeked(frame));
    }
    await rm(state, { recursive: true, force: true });
  });
});

describe('preview frames', () => {
  // A file where the cache folder would go: no proxy can be built, so the decoder paths run.
  let noProxies: string;
  beforeAll(async () => {
    noProxies = join(dir, 'no-proxies');
    await mkdir(noProxies);
    await writeFile(join(noProxies, 'cache'), '');
  });

  it('gives the exact frame asked for, whether it reads on from the last preview, jumps back or jumps far', async () => {
    // 3 → 10 → 30 read on; 12 goes back; 60 is too far ahead to read on; 61 reads on again.
    for (const frame of [3, 10, 30, 12, 60, 61]) {
      const preview = await previewFrame({ source: clip, timeS: frame / 25, steps: [] }, noProxies, workers);
      expect(preview.before, `frame ${frame}`).toBe(await seeked(frame));
    }
  });

  it('runs a temporal step on the one frame without waiting for neighbours, leaving the before picture alone', async () => {
    const before = await seeked(30);
    const preview = await previewFrame({ source: clip, timeS: 30 / 25, steps: [{ op: 'clean', strength: 'medium' }], maxWidth: 160 }, noProxies, workers);
    expect([preview.width, preview.height]).toEqual([160, 90]);
    expect(preview.after).not.toBe(preview.before);
    const again = await previewFrame({ source: clip, timeS: 30 / 25, steps: [], maxWidth: 320 }, noProxies, workers);
    expect(again.before).toBe(before);
    expect(again.after).toBe(before);
  });

  it('shows non-square pixels as they are displayed (720x480-style 16:9 at 32:27)', async () => {
    const anamorphic = await makeClip(join(dir, 'anamorphic.mp4'), {
      seconds: 0.2, audio: false, size: '180x120',
      args: ['-vf', 'setsar=32/27', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
    });
    expect((await probe(anamorphic)).sampleAspect).toEqual({ num: 32, den: 27 });
    const full = await previewFrame({ source: anamorphic, timeS: 0, steps: [] }, noProxies, workers);
    expect([full.width, full.height]).toEqual([214, 120]);
    const narrow = await previewFrame({ source: anamorphic, timeS: 0, steps: [], maxWidth: 160 }, noProxies, workers);
    expect([narrow.width, narrow.height]).toEqual([160, 90]);
  });

  it('serves concurrent requests one decode at a time, each with its own frame', async () => {
    const frames = [20, 5, 21, 40];
    const previews = await Promise.all(frames.map((frame) => previewFrame({ source: clip, timeS: frame / 25, steps: [] }, noProxies, workers)));
    for (const [i, frame] of frames.entries()) expect(previews[i]!.before, `frame ${frame}`).toBe(await seeked(frame));
  });
});
