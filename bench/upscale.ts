// Upscale speed, part of `npm run bench` (or alone: node dist/bench/upscale.js, which merges
// its figures into bench/results.json): x2 of 960x540 frames with the slim ESRGAN weights,
// through ONNX Runtime (CPU) against the very same weights in TF.js (wasm backend, the way
// upscalerjs runs them), on the same tiles in the same run; then the whole CLI job with its
// peak memory.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { resolveTool } from '../companion/media/ffmpeg.js';
import { resolveModel } from '../companion/models/registry.js';
import { sessionRunner, threadCount } from '../companion/models/runtime.js';
import { runTiled, type TileOptions, type TileRunner } from '../companion/models/tiling.js';
import { upscalerjsModels } from '../companion/models/upscalerjs.js';
import { processClip } from '../companion/pipeline/process.js';
import { UPSCALE_TILES } from '../companion/steps/upscale.js';
import { framePlanar } from '../companion/steps/upscale-planes.js';
import { runWithPeakMemory } from './peak-memory.js';
import { tfjsUpscaler } from './tfjs-reference.js';

const run = promisify(execFile);
const WIDTH = 960;
const HEIGHT = 540;
const MODEL = 'esrgan-slim-x2';
const CLI = new URL('../../bin/refinery.js', import.meta.url).pathname;

export interface UpscaleBench {
  model: string;
  width: number;
  height: number;
  tile: number;
  threads: number;
  ortFps: number;
  tfjsWasmFps: number;
  ratio: number;
  job: { frames: number; fps: number; seconds: number; peakMiB: number };
  /** How long the job held up the thread that, in the companion, answers clients (ms). */
  stalls: { p99Ms: number; maxMs: number; meanMs: number };
  note: string;
}

/** The same job in this process, as the companion runs it, timing the event loop's stalls. */
async function mainThreadStalls(clip: string, output: string, stateDir: string): Promise<UpscaleBench['stalls']> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await processClip({ input: clip, output, steps: [{ op: 'upscale', scale: 2, model: MODEL }], stateDir });
  delay.disable();
  return { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6, meanMs: delay.mean / 1e6 };
}

async function timed(frames: number, each: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < frames; i++) await each();
  return frames / ((performance.now() - start) / 1000);
}

export async function benchUpscale(dir: string, stateDir: string, frames = { ort: 3, tfjs: 1, job: 6 }): Promise<UpscaleBench> {
  const ffmpeg = resolveTool('ffmpeg').path;
  const clip = join(dir, 'clip540.mp4');
  await run(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${WIDTH}x${HEIGHT}:r=24`, '-frames:v', String(frames.job), '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', clip]);
  const { stdout } = await run(ffmpeg, ['-v', 'error', '-i', clip, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb48le', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 28 });
  const image = framePlanar({ width: WIDTH, height: HEIGHT, data: new Uint16Array(stdout.buffer, stdout.byteOffset, WIDTH * HEIGHT * 3) });

  // Both engines get identical tiles (the step's size on CPU), so only the engine differs.
  const tiles: TileOptions = { scale: 2, ...UPSCALE_TILES, tile: 384 };
  const model = await resolveModel(stateDir, 'upscale-x2', MODEL);
  const session = await model.open({ provider: 'cpu' });
  const ort = sessionRunner(session);
  await runTiled(image, ort, tiles); // warm-up: first-run allocations and graph optimisation
  const ortFps = await timed(frames.ort, () => runTiled(image, ort, tiles));
  await session.session.release();

  const tf = await tfjsUpscaler(upscalerjsModels().find((m) => m.id === MODEL)!);
  const tfjs: TileRunner = async (data, n, channels, height, width) => ({ data: await tf.run(data, height, width), n, channels, height: height * tf.scale, width: width * tf.scale });
  await tf.run(new Float32Array(3 * 32 * 32), 32, 32); // warm-up: kernels compiled
  const tfjsWasmFps = await timed(frames.tfjs, () => runTiled(image, tfjs, tiles));
  tf.dispose();

  const out = join(dir, 'upscaled.mov');
  const job = await runWithPeakMemory(process.execPath, [CLI, 'process', clip, '-o', out, '--upscale', '2', '--model', MODEL, '--state-dir', stateDir]);
  const stalls = await mainThreadStalls(clip, join(dir, 'upscaled-here.mov'), stateDir);
  return {
    model: MODEL,
    width: WIDTH,
    height: HEIGHT,
    tile: 384,
    threads: threadCount(),
    ortFps,
    tfjsWasmFps,
    ratio: ortFps / tfjsWasmFps,
    job: { frames: frames.job, fps: frames.job / job.seconds, seconds: job.seconds, peakMiB: job.peakMiB },
    stalls,
    note: 'CPU shared with other work while measured; TF.js wasm with SIMD, single-threaded (its multi-threaded build does not start in Node), ONNX Runtime one thread per core',
  };
}

export function upscaleRows(u: UpscaleBench): { name: string; fps: number; note: string }[] {
  return [
    { name: `upscale x2 ${u.width}x${u.height}, ONNX Runtime CPU (${u.model})`, fps: u.ortFps, note: `${(1 / u.ortFps).toFixed(1)} s a frame; ${u.threads} threads, ${u.tile}px tiles` },
    { name: `upscale x2 ${u.width}x${u.height}, TF.js wasm (same weights)`, fps: u.tfjsWasmFps, note: `${(1 / u.tfjsWasmFps).toFixed(1)} s a frame; ONNX Runtime ${u.ratio.toFixed(1)}x faster` },
    { name: `upscale x2 ${u.width}x${u.height} → ProRes, whole job`, fps: u.job.fps, note: `${u.job.frames} frames in ${u.job.seconds.toFixed(1)}s, peak ${u.job.peakMiB} MiB (process tree)` },
    {
      name: 'upscale job: main-thread stall, p99',
      fps: 1000 / u.stalls.p99Ms,
      note: `${u.stalls.p99Ms.toFixed(0)} ms (max ${u.stalls.maxMs.toFixed(0)}, mean ${u.stalls.meanMs.toFixed(1)}): how long a client, preview or cancel waits on the companion's thread`,
    },
  ];
}

// Alone: measure, print, and merge into bench/results.json.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = await mkdtemp(join(tmpdir(), 'refinery-bench-upscale-'));
  try {
    const result = await benchUpscale(dir, join(dir, 'state'));
    for (const r of upscaleRows(result)) console.log(`${r.name.padEnd(58)} ${r.fps.toFixed(3).padStart(8)}/s  ${r.note}`);
    const path = new URL('../../bench/results.json', import.meta.url);
    const previous = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as Record<string, unknown>;
    await writeFile(path, `${JSON.stringify({ ...previous, upscale: { date: new Date().toISOString(), ...result } }, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
