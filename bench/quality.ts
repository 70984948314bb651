// `npm run quality`: how much the clean and deflicker steps repair, against ffmpeg's own
// filters on the same damaged clips in the same run. Builds the clips (quality-clips.ts),
// measures PSNR/SSIM against the clean source, blockiness, boiling, flicker indices and
// frames/s (quality-metrics.ts), prints tables and writes bench/quality.json.
//
// QUALITY_ONLY=clean|deflicker|speed|upscale runs one part (the other parts' figures in quality.json are kept); QUALITY_CLIPS=a,b picks clips by name;
// QUALITY_FRAMES sets the clean clips' length (default 24; the deflicker clips have at least 48).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CleanStep } from '../src/protocol/recipe.js';
import { resolveTool } from '../companion/media/ffmpeg.js';
import { WorkerPool } from '../companion/pipeline/workers.js';
import { createClean } from '../companion/steps/clean.js';
import { createDeflicker } from '../companion/steps/deflicker.js';
import type { StepInstance } from '../companion/steps/step.js';
import { type Clip, decodeFrames, filterRaw, makeCleanClips, makeFlickerSources, setFrameSize } from './quality-clips.js';
import { runStep } from './quality-steps.js';
import { upscaleSection } from './quality-upscale.js';
import { blockiness, boiling, brightnessChange, brightnessErrors, flickerIndex, luma, psnr, ssim } from './quality-metrics.js';

const FRAMES = Number(process.env.QUALITY_FRAMES ?? 24);
const ONLY = process.env.QUALITY_ONLY;
const QUALITY_JSON = new URL('../../bench/quality.json', import.meta.url);
const PICK = process.env.QUALITY_CLIPS?.split(',');
const STRENGTHS: CleanStep['strength'][] = ['light', 'medium', 'strong'];

/** ffmpeg's denoisers and deblockers, in their usual settings (bm3d at σ 4 as in the issue). */
const FFMPEG_CLEAN: Record<string, string> = {
  hqdn3d: 'hqdn3d',
  nlmeans: 'nlmeans',
  'atadenoise+deblock': 'atadenoise,deblock',
  'bm3d σ4': 'bm3d=sigma=4',
  // Without the codec's QP table (ffmpeg 5.1 exports none), spp needs one; 6 is its best here.
  'spp qp6': 'spp=quality=3:qp=6',
};

interface CleanRow {
  clip: string;
  variant: string;
  psnr: number;
  ssim: number;
  psnrGain: number;
  ssimGain: number;
  blockiness: number;
  boiling: number;
  fps: number;
}

async function cleanSection(dir: string, pool: WorkerPool): Promise<CleanRow[]> {
  const rows: CleanRow[] = [];
  let clips: Clip[] = await makeCleanClips(dir, FRAMES);
  if (PICK) clips = clips.filter((c) => PICK.some((p) => c.name.includes(p)));
  for (const clip of clips) {
    const { width, height } = clip;
    setFrameSize(width, height);
    const ref = (await decodeFrames(clip.source)).frames;
    const refY = ref.map(luma);
    const damaged = await decodeFrames(clip.damaged);
    // ffmpeg's time to decode and convert alone, taken off its filters' times.
    const baseline = Math.min(damaged.seconds, (await decodeFrames(clip.damaged)).seconds);
    // The source's own rows say how much blockiness and boiling the picture has by itself
    // (testsrc2's edges sit on the block grid), so reductions count only what damage added.
    const variants: { name: string; frames: Uint16Array[]; seconds: number }[] = [
      { name: 'damaged input', frames: damaged.frames, seconds: 0 },
      { name: SOURCE_ROW, frames: ref, seconds: 0 },
    ];
    for (const s of STRENGTHS) {
      variants.push({ name: `clean ${s}`, ...(await runStep(createClean(s, width, height, pool), damaged.frames, width, height)) });
    }
    if (!process.env.QUALITY_NO_FFMPEG) {
      for (const [name, graph] of Object.entries(FFMPEG_CLEAN)) {
        const r = await decodeFrames(clip.damaged, [graph]);
        variants.push({ name: `ffmpeg ${name}`, frames: r.frames, seconds: Math.max(0.05 * r.seconds, r.seconds - baseline) });
      }
    }
    let base: CleanRow | undefined;
    for (const v of variants) {
      if (v.frames.length !== ref.length) throw new Error(`${clip.name} ${v.name}: ${v.frames.length} frames, expected ${ref.length}`);
      const y = v.frames.map(luma);
      const row: CleanRow = {
        clip: clip.name,
        variant: v.name,
        psnr: psnr(v.frames, ref),
        ssim: ssim(y, refY, width, height),
        psnrGain: 0,
        ssimGain: 0,
        blockiness: blockiness(y, width, height),
        boiling: boiling(y, refY, width, height),
        fps: v.seconds > 0 ? v.frames.length / v.seconds : NaN,
      };
      base ??= row;
      row.psnrGain = row.psnr - base.psnr;
      row.ssimGain = row.ssim - base.ssim;
      rows.push(row);
    }
    printClean(rows.filter((r) => r.clip === clip.name), clip);
  }
  return rows;
}

const SOURCE_ROW = 'clean source';

/** How much of the damage's excess over the source a variant removed (blockiness or boiling). */
export function excessRemoved(damaged: number, source: number, value: number): number {
  const excess = damaged - Math.max(0, source);
  return excess > 0 ? (damaged - value) / excess : NaN;
}

function printClean(rows: CleanRow[], clip: Clip): void {
  const base = rows[0]!;
  const source = rows.find((r) => r.variant === SOURCE_ROW)!;
  console.log(`\n${clip.name} (${clip.width}x${clip.height}, ${clip.frames} frames): ${clip.note}`);
  console.log(`  ${'variant'.padEnd(26)} ${'PSNR dB'.padStart(8)} ${'gain'.padStart(7)} ${'SSIM'.padStart(7)} ${'gain'.padStart(8)} ${'block'.padStart(6)} ${'Δblock'.padStart(7)} ${'boil'.padStart(6)} ${'Δboil'.padStart(6)} ${'fps'.padStart(6)}`);
  for (const r of rows) {
    const percent = (v: number) => (Number.isFinite(v) ? `${Math.round(100 * v)}%` : '-');
    const db = percent(excessRemoved(base.blockiness, source.blockiness, r.blockiness));
    const dboil = percent(excessRemoved(base.boiling, source.boiling, r.boiling));
    console.log(
      `  ${r.variant.padEnd(26)} ${r.psnr.toFixed(2).padStart(8)} ${(r.psnrGain >= 0 ? '+' : '') + r.psnrGain.toFixed(2)}`.padEnd(46) +
        ` ${r.ssim.toFixed(4).padStart(7)} ${((r.ssimGain >= 0 ? '+' : '') + r.ssimGain.toFixed(4)).padStart(8)} ${r.blockiness.toFixed(2).padStart(6)} ${db.padStart(7)} ${Number.isFinite(r.boiling) ? r.boiling.toFixed(2).padStart(6) : '     -'} ${dboil.padStart(6)} ${Number.isFinite(r.fps) ? r.fps.toFixed(1).padStart(6) : '     -'}`,
    );
  }
}

// ---- deflicker ------------------------------------------------------------------------

/** A seeded generator, so every run damages the clips the same way. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

interface FlickerSpec {
  /** Per-frame global gain, offset (of full scale) and gamma standard deviations. */
  gain: number;
  offset: number;
  gamma: number;
  /** Regional flicker: amplitude of a drifting soft blob's gain. */
  local: number;
}

/** Applies per-frame brightness noise to clean rgb48 frames. */
function flicker(frames: Uint16Array[], width: number, height: number, spec: FlickerSpec, seed: number): Uint16Array[] {
  const rand = random(seed);
  const table = new Float32Array(65536);
  return frames.map((f, t) => {
    const g = 1 + spec.gain * gaussian(rand);
    const o = spec.offset * gaussian(rand);
    const gamma = 1 + spec.gamma * gaussian(rand);
    for (let v = 0; v < 65536; v++) table[v] = Math.pow(v / 65535, gamma) * g + o;
    const blobs = [0, 1].map((i) => ({
      a: spec.local * gaussian(rand),
      x: width * (0.3 + 0.4 * i + 0.1 * Math.sin(t / 12 + i)),
      y: height * (0.4 + 0.2 * Math.cos(t / 15 + 2 * i)),
      r: width * 0.18,
    }));
    const out = new Uint16Array(f.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let gain = 1;
        for (const b of blobs) gain *= 1 + b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
        for (let c = 0; c < 3; c++) {
          const i = (y * width + x) * 3 + c;
          out[i] = Math.round(Math.min(1, Math.max(0, table[f[i]!]! * gain)) * 65535);
        }
      }
    }
    return out;
  });
}

interface DeflickerRow {
  clip: string;
  variant: string;
  flickerGlobal: number;
  flickerLocal: number;
  reductionGlobal: number;
  reductionLocal: number;
  psnr: number;
  ssim: number;
  /** Mean change of block brightness against the step's input (for the flicker-free clip). */
  change: number;
  /** Largest error of the frame brightness against the clean reference, and on the 3 frames after the cut. */
  maxBrightnessError: number;
  cutBrightnessError: number;
  fps: number;
}

async function deflickerSection(dir: string, pool: WorkerPool): Promise<DeflickerRow[]> {
  const n = Math.max(FRAMES, 48);
  const W = 512;
  const H = 288;
  setFrameSize(W, H);
  const src = await makeFlickerSources(dir, n);
  const landscape = (await decodeFrames(src.landscape)).frames;
  const object = (await decodeFrames(src.object)).frames;
  const second = (await decodeFrames(src.second)).frames;
  // A cut at frame 20 into a darker shot that fades to near black over its last 14 frames.
  const cutAt = 20;
  const cutRef = [
    ...landscape.slice(0, cutAt),
    ...second.slice(0, n - cutAt).map((f, i) => {
      const fade = i >= n - cutAt - 14 ? (n - cutAt - i) / 15 : 1;
      return f.map((v) => Math.round(v * 0.45 * fade));
    }),
  ];
  const clips = [
    { name: 'global flicker (pan)', ref: landscape, input: flicker(landscape, W, H, { gain: 0.06, offset: 0.015, gamma: 0.05, local: 0 }, 1) },
    { name: 'local flicker (moving object)', ref: object, input: flicker(object, W, H, { gain: 0.01, offset: 0, gamma: 0, local: 0.18 }, 2) },
    { name: 'global+local (pan)', ref: landscape, input: flicker(landscape, W, H, { gain: 0.04, offset: 0.01, gamma: 0.04, local: 0.12 }, 3) },
    { name: 'cut + fade, flickering', ref: cutRef, input: flicker(cutRef, W, H, { gain: 0.05, offset: 0.005, gamma: 0.03, local: 0 }, 4) },
    { name: 'no flicker (pan)', ref: landscape, input: landscape },
  ];
  const rows: DeflickerRow[] = [];
  for (const clip of clips) {
    const refY = clip.ref.map(luma);
    const inY = clip.input.map(luma);
    const variants: { name: string; frames: Uint16Array[]; seconds: number }[] = [{ name: 'input', frames: clip.input, seconds: 0 }];
    variants.push({ name: 'deflicker', ...(await runStep(createDeflicker({ radius: 8, local: true }, W, H, pool), clip.input, W, H)) });
    variants.push({ name: 'deflicker global only', ...(await runStep(createDeflicker({ radius: 8, local: false }, W, H, pool), clip.input, W, H)) });
    if (!process.env.QUALITY_NO_FFMPEG) {
      const copy = await filterRaw(dir, clip.input, W, H, 'null');
      for (const [name, graph] of [['ffmpeg deflicker', 'deflicker'], ['ffmpeg deflicker size=15', 'deflicker=size=15']] as const) {
        const r = await filterRaw(dir, clip.input, W, H, graph);
        variants.push({ name, frames: r.frames, seconds: Math.max(0.05 * r.seconds, r.seconds - copy.seconds) });
      }
    }
    let base: DeflickerRow | undefined;
    for (const v of variants) {
      const y = v.frames.map(luma);
      const fi = flickerIndex(y, refY, W, H);
      const errors = brightnessErrors(y, refY);
      const row: DeflickerRow = {
        clip: clip.name,
        variant: v.name,
        flickerGlobal: fi.global,
        flickerLocal: fi.local,
        reductionGlobal: 0,
        reductionLocal: 0,
        psnr: psnr(v.frames, clip.ref),
        ssim: ssim(y, refY, W, H),
        change: brightnessChange(y, inY, W, H),
        maxBrightnessError: Math.max(...errors),
        cutBrightnessError: clip.name.startsWith('cut') ? Math.max(...errors.slice(cutAt, cutAt + 3)) : NaN,
        fps: v.seconds > 0 ? v.frames.length / v.seconds : NaN,
      };
      base ??= row;
      row.reductionGlobal = base.flickerGlobal > 0 ? 1 - row.flickerGlobal / base.flickerGlobal : 0;
      row.reductionLocal = base.flickerLocal > 0 ? 1 - row.flickerLocal / base.flickerLocal : 0;
      rows.push(row);
    }
    printDeflicker(rows.filter((r) => r.clip === clip.name), n);
  }
  return rows;
}

function printDeflicker(rows: DeflickerRow[], frames: number): void {
  console.log(`\n${rows[0]!.clip} (512x288, ${frames} frames)`);
  console.log(`  ${'variant'.padEnd(26)} ${'FI glob'.padStart(7)} ${'red.'.padStart(5)} ${'FI local'.padStart(8)} ${'red.'.padStart(5)} ${'PSNR'.padStart(6)} ${'SSIM'.padStart(6)} ${'change'.padStart(6)} ${'maxErr'.padStart(6)} ${'cutErr'.padStart(6)} ${'fps'.padStart(6)}`);
  const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-');
  for (const r of rows) {
    console.log(
      `  ${r.variant.padEnd(26)} ${r.flickerGlobal.toFixed(3).padStart(7)} ${pct(r.reductionGlobal).padStart(5)} ${r.flickerLocal.toFixed(3).padStart(8)} ${pct(r.reductionLocal).padStart(5)} ${r.psnr.toFixed(2).padStart(6)} ${r.ssim.toFixed(3).padStart(6)} ${pct(r.change).padStart(6)} ${pct(r.maxBrightnessError).padStart(6)} ${pct(r.cutBrightnessError).padStart(6)} ${Number.isFinite(r.fps) ? r.fps.toFixed(1).padStart(6) : '     -'}`,
    );
  }
}

// ---- 1080p speed ----------------------------------------------------------------------

async function speedSection(dir: string, pool: WorkerPool): Promise<Record<string, number>> {
  const W = 1920;
  const H = 1080;
  const clips = await makeCleanClips(dir, 24);
  setFrameSize(W, H);
  const frames = (await decodeFrames(clips[0]!.damaged, [`scale=${W}:${H}:flags=bicubic`])).frames;
  const out: Record<string, number> = {};
  // A job runs for hundreds of frames: each step first runs 8 frames so the kernels are
  // compiled, as they are a few frames into a job, then a fresh instance is timed.
  const timed = async (name: string, create: () => StepInstance) => {
    await runStep(create(), frames.slice(0, 8), W, H);
    out[name] = frames.length / (await runStep(create(), frames, W, H)).seconds;
  };
  for (const s of STRENGTHS) await timed(`clean ${s}`, () => createClean(s, W, H, pool));
  await timed('deflicker', () => createDeflicker({ radius: 8, local: true }, W, H, pool));
  console.log(`\n1920x1080 frames/s (${frames.length} frames after 8 to warm up, ${pool.size} workers): ${Object.entries(out).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'refinery-quality-'));
  const pool = new WorkerPool(availableParallelism());
  const ffmpeg = resolveTool('ffmpeg');
  console.log(`refinery quality: ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, ffmpeg ${ffmpeg.version} (${ffmpeg.path})`);
  try {
    const clean = !ONLY || ONLY === 'clean' ? await cleanSection(dir, pool) : [];
    const deflicker = !ONLY || ONLY === 'deflicker' ? await deflickerSection(dir, pool) : [];
    const speed1080p = !ONLY || ONLY === 'speed' ? await speedSection(dir, pool) : {};
    const upscale = !ONLY || ONLY === 'upscale' ? await upscaleSection(dir, pool) : undefined;
    const seconds = (performance.now() - started) / 1000;
    const previous = ONLY ? (JSON.parse(await readFile(QUALITY_JSON, 'utf8').catch(() => '{}')) as Record<string, unknown>) : {};
    const result = {
      ...previous,
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: availableParallelism() },
      ffmpeg: { path: ffmpeg.path, version: ffmpeg.version },
      frames: FRAMES,
      ...(ONLY && ONLY !== 'clean' ? {} : { clean }),
      ...(ONLY && ONLY !== 'deflicker' ? {} : { deflicker }),
      ...(ONLY && ONLY !== 'speed' ? {} : { speed1080p }),
      ...(upscale ? { upscale } : {}),
      seconds,
    };
    await writeFile(QUALITY_JSON, `${JSON.stringify(result, null, 1)}\n`);
    console.log(`\nwrote bench/quality.json (${seconds.toFixed(0)} s)`);
  } finally {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
