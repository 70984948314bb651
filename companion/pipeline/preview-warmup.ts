// A companion's first preview would otherwise also pay for loading ffmpeg and ffprobe from
// disk, parsing a LUT and compiling the step kernels: a 1080p first look took 2.0 s in a fresh
// companion against 1.0-1.4 s in a warm one. A panel connects a while before its editor asks
// for a preview, so the companion pays that when the first client connects, on a tiny
// generated clip, while nobody waits.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepSpec } from '../../src/protocol/recipe.js';
import { resolveTool } from '../media/ffmpeg.js';
import { lastErrorLine, runTool } from '../media/run.js';
import { previewsAsked, renderPreview } from './preview.js';
import type { WorkerPool } from './workers.js';

/** The panel's default look: the steps whose code every first preview runs. */
const WARM_STEPS: StepSpec[] = [
  { op: 'clean', strength: 'medium' },
  { op: 'lut', path: 'rec709-contrast', strength: 1, interpolation: 'tetrahedral' },
];

/**
 * Runs one small preview through the whole path, its clip in a folder of its own under
 * `scratch`; resolves with the milliseconds it took.
 */
export async function warmPreviews(stateDir: string, workers: WorkerPool, scratch = tmpdir()): Promise<number> {
  const started = performance.now();
  // Once an editor asks for a preview, that one warms the path; this would only slow it.
  const before = previewsAsked();
  const giveWay = () => {
    if (previewsAsked() !== before) throw new Error('a preview was asked for first');
  };
  const dir = await mkdtemp(join(scratch, 'refinery-warm-up-'));
  try {
    const clip = join(dir, 'warm-up.mp4');
    const made = await runTool(resolveTool('ffmpeg').path, [
      '-hide_banner', '-nostdin', '-v', 'error',
      '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=0.4',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip,
    ]);
    if (made.code !== 0) throw new Error(`the warm-up clip was not made: ${lastErrorLine(made.stderr)}`);
    // Two frames, so that the kernels run often enough to be compiled.
    for (const timeS of [0.2, 0.28]) {
      giveWay();
      await renderPreview({ source: clip, timeS, steps: WARM_STEPS, maxWidth: 320 }, stateDir, workers);
    }
    return performance.now() - started;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
