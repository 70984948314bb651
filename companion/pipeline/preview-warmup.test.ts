import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlinePool } from '../../test/support/kernels.js';
import { makeClip, tempDir } from '../../test/support/media.js';
import { previewFrame } from './preview.js';
import { warmPreviews } from './preview-warmup.js';

const workers = inlinePool();
let dir: string;
let clip: string;

const warmUpLeftovers = async () => (await readdir(dir)).filter((n) => n.startsWith('refinery-warm-up-'));

beforeAll(async () => {
  dir = await tempDir();
  clip = await makeClip(join(dir, 'clip.mp4'), { seconds: 1, audio: false });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('warmPreviews', () => {
  it('runs a clean + LUT preview of a clip of its own and leaves nothing behind', async () => {
    const state = join(dir, 'state-warm');
    expect(await warmPreviews(state, workers, dir)).toBeGreaterThan(0);
    expect(await warmUpLeftovers()).toEqual([]);
    // Its clip is gone, so no proxy may be built or kept for it.
    await new Promise((r) => setTimeout(r, 200));
    expect(await readdir(join(state, 'cache', 'previews')).catch(() => [])).toEqual([]);
  });

  it('gives way to a preview an editor asks for', async () => {
    // A file where the cache folder would be: no proxy is built behind the test's back.
    const state = join(dir, 'state-give-way');
    await mkdir(state);
    await writeFile(join(state, 'cache'), '');
    const warming = warmPreviews(state, workers, dir).catch((error: Error) => error);
    const preview = await previewFrame({ source: clip, timeS: 0.4, steps: [{ op: 'clean', strength: 'light' }], maxWidth: 160 }, state, workers);
    expect(preview.width).toBe(160);
    expect(String(await warming)).toMatch(/asked for first/);
    expect(await warmUpLeftovers()).toEqual([]);
  });
});
