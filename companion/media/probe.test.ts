import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from '../../test/support/media.js';
import { resolveTool } from './ffmpeg.js';
import { probe } from './probe.js';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probe', () => {
  it('uses the ffprobe from where ffmpeg came from', () => {
    expect(resolveTool('ffprobe').source).toBe(resolveTool('ffmpeg').source);
  });

  it('reads an MPEG transport stream, its start offset and its frames (counted: TS says none)', async () => {
    const clip = await makeClip(join(dir, 'clip.ts'), { audio: false, args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mpegts'] });
    const media = await probe(clip);
    expect(media.startS).toBeGreaterThan(1);
    expect(media.frames).toBe(50);
  });

  it('takes an animated GIF as a clip at a standard rate (1/100 s delays average 23.92 for 24 fps), and refuses a still one', async () => {
    const animated = await makeClip(join(dir, 'anim.gif'), { fps: '24', seconds: 1, size: '64x36', audio: false, args: ['-c:v', 'gif'] });
    expect(await probe(animated)).toMatchObject({ frames: 24, fps: '24000/1001', variableFrameRate: true });
    const still = await makeClip(join(dir, 'still.gif'), { fps: '24', seconds: 1, size: '64x36', audio: false, args: ['-frames:v', '1', '-c:v', 'gif'] });
    await expect(probe(still)).rejects.toThrow(/not a video file: .*still\.gif \(a still GIF\)/);
  });

  it('gives an MP4 made from the start a start of 0', async () => {
    expect((await probe(await makeClip(join(dir, 'clip.mp4'), { audio: true }))).startS).toBe(0);
  });
});
