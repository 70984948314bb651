// `npm run bench`: speed of the LUT step against ffmpeg's lut3d on the same 1080p frames in
// the same run, and a whole 1080p LUT-to-ProRes job (frames/s, peak memory of the process
// tree). Prints a table and writes bench/results.json.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { prepareLut } from '../companion/luts/interpolate.js';
import { resolveLut } from '../companion/luts/library.js';
import { resolveTool } from '../companion/media/ffmpeg.js';
import { inBands } from '../companion/pipeline/frames.js';
import { WorkerPool, shareArrays } from '../companion/pipeline/workers.js';
import { PREVIEW_WIDTH } from '../src/panel/playhead.js';
import { benchCompanion } from './companion.js';
import { runWithPeakMemory } from './peak-memory.js';
import { benchUpscale, upscaleRows } from './upscale.js';

const run = promisify(execFile);
const WIDTH = 1920;
const HEIGHT = 1080;
const FRAMES = 72;
const PRESET = 'teal-orange';
const KERNEL = new URL('../companion/luts/interpolate.js', import.meta.url).href;
const CLI = new URL('../../bin/refinery.js', import.meta.url).pathname;

interface Row {
  name: string;
  fps: number;
  note: string;
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function ffmpegSeconds(args: string[]): Promise<number> {
  const ffmpeg = resolveTool('ffmpeg').path;
  return seconds(() => run(ffmpeg, ['-hide_banner', '-v', 'error', '-y', ...args]));
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'refinery-bench-'));
  const stateDir = join(dir, 'state');
  const rows: Row[] = [];
  try {
    const clip = join(dir, 'clip1080.mp4');
    const raw = join(dir, 'frames.rgb48');
    await ffmpegSeconds(['-f', 'lavfi', '-i', `testsrc2=s=${WIDTH}x${HEIGHT}:r=24:d=${FRAMES / 24}`, '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', clip]);
    await ffmpegSeconds(['-i', clip, '-f', 'rawvideo', '-pix_fmt', 'rgb48le', raw]);
    const { file: lutFile, lut } = await resolveLut(PRESET, stateDir);

    // ffmpeg's lut3d on the same 16-bit RGB frames; the pass without the filter is subtracted
    // so that only the filter's own time is compared.
    const rawIn = ['-f', 'rawvideo', '-pix_fmt', 'rgb48le', '-s', `${WIDTH}x${HEIGHT}`, '-r', '24', '-i', raw];
    const baseline = await ffmpegSeconds([...rawIn, '-f', 'null', '-']);
    const withLut = await ffmpegSeconds([...rawIn, '-vf', `lut3d=file=${lutFile}:interp=tetrahedral`, '-f', 'null', '-']);
    const ffmpegFps = FRAMES / Math.max(withLut - baseline, 1e-3);
    rows.push({ name: 'ffmpeg lut3d tetrahedral (filter only)', fps: ffmpegFps, note: `${withLut.toFixed(2)}s with, ${baseline.toFixed(2)}s without` });

    // Our LUT step kernel on the same frames in shared memory, one band per core.
    const bytes = await readFile(raw);
    const frameValues = WIDTH * HEIGHT * 3;
    const frames = Array.from({ length: FRAMES }, (_, i) => {
      const shared = new Uint16Array(new SharedArrayBuffer(frameValues * 2));
      shared.set(new Uint16Array(bytes.buffer, bytes.byteOffset + i * frameValues * 2, frameValues));
      return shared;
    });
    const pool = new WorkerPool();
    const prepared = shareArrays(prepareLut(lut, 'tetrahedral'));
    const apply = (f: Uint16Array) => inBands(pool, KERNEL, 'applyLut', WIDTH, HEIGHT, [prepared, f, f], [1]);
    await apply(frames[0]!); // warm the workers and the JIT
    const ours = await seconds(async () => {
      for (const f of frames) await apply(f);
    });
    await pool.close();
    const oursFps = FRAMES / ours;
    rows.push({ name: `refinery lut step tetrahedral (${pool.size} workers)`, fps: oursFps, note: `${(ours * 1e9 / FRAMES / (WIDTH * HEIGHT)).toFixed(1)} ns/pixel wall` });

    // The whole job, as an editor runs it.
    const out = join(dir, 'graded.mov');
    const job = await runWithPeakMemory(process.execPath, [CLI, 'process', clip, '-o', out, '--lut', PRESET, '--state-dir', stateDir]);
    const jobFps = FRAMES / job.seconds;
    rows.push({ name: '1080p LUT → ProRes 422 HQ, whole job', fps: jobFps, note: `${job.seconds.toFixed(2)}s, peak ${job.peakMiB} MiB (process tree)` });

    const tiny = join(dir, 'tiny.mp4');
    await ffmpegSeconds(['-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=25:d=0.12', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', tiny]);
    // 8 s in one GOP (x264's default keyint 250), as generated clips come.
    const longGop = join(dir, 'long-gop.mp4');
    await ffmpegSeconds(['-f', 'lavfi', '-i', `testsrc2=s=${WIDTH}x${HEIGHT}:r=24:d=8`, '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', longGop]);
    const companion = await benchCompanion(CLI, dir, clip, tiny, longGop);
    const ms = (v: number) => 1000 / v;
    rows.push({ name: 'companion preview.frame 1080p + LUT (median)', fps: ms(companion.previewMs), note: `${companion.previewMs.toFixed(0)} ms per preview` });
    rows.push({ name: `preview 1080p → ${PREVIEW_WIDTH} (panel), clean + LUT, first look`, fps: ms(companion.firstLookMs), note: `${companion.firstLookMs.toFixed(0)} ms (decodes from the keyframe)` });
    rows.push({ name: `preview 1080p → ${PREVIEW_WIDTH} (panel), clean + LUT, any frame`, fps: ms(companion.panelPreviewMs), note: `${companion.panelPreviewMs.toFixed(0)} ms (from the clip's proxy)` });
    rows.push({ name: `preview 1080p → ${PREVIEW_WIDTH} (panel), clean + LUT, other look`, fps: ms(companion.recipeChangeMs), note: `${companion.recipeChangeMs.toFixed(0)} ms (decoded frame reused)` });
    rows.push({ name: 'companion tiny job submit → done (median)', fps: ms(companion.jobMs), note: `${companion.jobMs.toFixed(0)} ms per job: the queue's overhead` });
    rows.push({ name: 'companion request → job.updated (median)', fps: ms(companion.notificationMs), note: `${companion.notificationMs.toFixed(1)} ms` });

    // Neural upscaling: ONNX Runtime against TF.js wasm on the same weights (bench/upscale.ts).
    const upscale = await benchUpscale(dir, stateDir);
    rows.push(...upscaleRows(upscale));

    const results = {
      date: new Date().toISOString(),
      machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      ffmpeg: resolveTool('ffmpeg'),
      clip: { width: WIDTH, height: HEIGHT, frames: FRAMES, lut: PRESET },
      lut: { oursFps, ffmpegLut3dFps: ffmpegFps, ratio: oursFps / ffmpegFps },
      endToEnd: { fps: jobFps, realTime24: jobFps >= 24, peakMiB: job.peakMiB, seconds: job.seconds },
      companion,
      upscale,
    };
    const width = Math.max(...rows.map((r) => r.name.length));
    console.log(`${'benchmark'.padEnd(width)}  ${'per sec'.padStart(9)}  note`);
    for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.fps.toFixed(1).padStart(9)}  ${r.note}`);
    console.log(`LUT step / ffmpeg lut3d: ${results.lut.ratio.toFixed(2)}x; whole job ${jobFps >= 24 ? 'at or above' : 'below'} real time (24 fps)`);
    console.log(`upscale x2 960x540: ONNX Runtime / TF.js wasm ${upscale.ratio.toFixed(1)}x (target 3x)`);
    await writeFile(new URL('../../bench/results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
