import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlinePool } from '../../test/support/kernels.js';
import { makeClip, tempDir } from '../../test/support/media.js';
import { encodePng } from '../media/png.js';
import { type MediaInfo, probe } from '../media/probe.js';
import { FrameDecoder } from './decode.js';
import { previewFrame } from './preview.js';
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
  for await (const f of new FrameDecoder(media, resolveRange(media, { inS: frame / fps, outS: (frame + 1) / fps }), undefined, 1)) {
    return encodePng(f).toString('base64');
  }
  throw new Error('nothing decoded');
}

describe('preview frames', () => {
  it('gives the exact frame asked for, whether it reads on from the last preview, jumps back or jumps far', async () => {
    // 3 → 10 → 30 read on; 12 goes back; 60 is too far ahead to read on; 61 reads on again.
    for (const frame of [3, 10, 30, 12, 60, 61]) {
      const preview = await previewFrame({ source: clip, timeS: frame / 25, steps: [] }, dir, workers);
      expect(preview.before, `frame ${frame}`).toBe(await seeked(frame));
    }
  });

  it('runs a temporal step on the one frame without waiting for neighbours, leaving the before picture alone', async () => {
    const before = await seeked(30);
    const preview = await previewFrame({ source: clip, timeS: 30 / 25, steps: [{ op: 'clean', strength: 'medium' }], maxWidth: 160 }, dir, workers);
    expect([preview.width, preview.height]).toEqual([160, 90]);
    expect(preview.after).not.toBe(preview.before);
    const again = await previewFrame({ source: clip, timeS: 30 / 25, steps: [], maxWidth: 320 }, dir, workers);
    expect(again.before).toBe(before);
    expect(again.after).toBe(before);
  });

  it('serves concurrent requests one decode at a time, each with its own frame', async () => {
    const frames = [20, 5, 21, 40];
    const previews = await Promise.all(frames.map((frame) => previewFrame({ source: clip, timeS: frame / 25, steps: [] }, dir, workers)));
    for (const [i, frame] of frames.entries()) expect(previews[i]!.before, `frame ${frame}`).toBe(await seeked(frame));
  });
});
