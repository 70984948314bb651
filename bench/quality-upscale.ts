// The upscale part of `npm run quality` (QUALITY_ONLY=upscale runs it alone; QUALITY_MODELS=a,b picks models).
//
// Pictures: the holdout photographs of training/data/manifest.json (Debian wallpaper
// packages), a centre crop of each, reduced by 2 and by 4 with bicubic, and with bicubic then
// H.264 at crf 32 (4:2:0, as a delivered clip would be). Each is enlarged back by ffmpeg's
// lanczos, by the upscale step with every @upscalerjs model and with every built-in model of
// the scale, and compared with the original: PSNR, SSIM (luma) and GMSD (luma, lower is
// better). Then temporal stability: a static camera and a slow pan (bench/upscale-clips.ts),
// the default model against lanczos on flickerIndex (32x32 blocks) and detailFlicker (16x16).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { promisify } from 'node:util';
import { resolveTool } from '../companion/media/ffmpeg.js';
import type { MediaInfo } from '../companion/media/probe.js';
import { BUILT_IN_MODELS, resolveModel } from '../companion/models/registry.js';
import { upscalerjsModels } from '../companion/models/upscalerjs.js';
import type { WorkerPool } from '../companion/pipeline/workers.js';
import { upscaleStep } from '../companion/steps/upscale.js';
import { decodeFrames, filterRaw, setFrameSize } from './quality-clips.js';
import { detailFlicker, flickerIndex, gmsd, luma, psnr, ssim } from './quality-metrics.js';
import { runStep } from './quality-steps.js';
import { temporalScenes } from './upscale-clips.js';

const run = promisify(execFile);
const CROP = { width: 384, height: 256 };
const MANIFEST = new URL('../../training/data/manifest.json', import.meta.url);
const CRF = 32;

interface Photo {
  name: string;
  path: string;
  package: string;
}

export interface UpscaleQualityRow {
  scale: 2 | 4;
  degradation: string;
  method: string;
  psnr: number;
  ssim: number;
  gmsd: number;
  /** Mean over the photos of (method - lanczos) on the same photo. */
  psnrVsLanczos: number;
  gmsdVsLanczos: number;
}

export interface FlickerRow {
  scene: string;
  method: string;
  global: number;
  local: number;
  detail: number;
}

/** The holdout photographs that are installed; says on stdout what is missing and how to get it. */
function holdoutPhotos(): Photo[] {
  if (!existsSync(MANIFEST)) {
    console.log('upscale quality: training/data/manifest.json is missing (the own-models pipeline writes it); no photographs to measure');
    return [];
  }
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { images: { package: string; path: string; split: string }[] };
  const holdout = manifest.images.filter((i) => i.split === 'holdout');
  const missing = holdout.filter((i) => !existsSync(i.path));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((m) => m.package))].join(' ');
    console.log(`upscale quality: ${missing.length} of ${holdout.length} holdout photographs are not installed (apt-get install ${packages})`);
  }
  // KDE wallpapers are <Name>/contents/images/<size>.jpg: the folder names them.
  const name = (path: string) => /wallpapers\/([^/]+)\//.exec(path)?.[1] ?? basename(path, extname(path));
  return holdout.filter((i) => existsSync(i.path)).map((i) => ({ name: name(i.path), path: i.path, package: i.package }));
}

async function ffmpeg(args: string[]): Promise<void> {
  await run(resolveTool('ffmpeg').path, ['-hide_banner', '-v', 'error', '-y', ...args]);
}

/** The original (a centre crop at full resolution, rgb48) and its two reductions by `scale`. */
async function prepare(dir: string, photo: Photo, index: number, scale: number) {
  const { width, height } = CROP;
  const [w, h] = [width / scale, height / scale];
  const png = join(dir, `photo${index}.png`);
  await ffmpeg(['-i', photo.path, '-vf', `crop=${width}:${height}:(iw-${width})/2:(ih-${height})/2`, '-pix_fmt', 'rgb48be', png]);
  setFrameSize(width, height);
  const original = (await decodeFrames(png)).frames[0]!;
  setFrameSize(w, h);
  const bicubic = (await filterRaw(dir, [original], width, height, `scale=${w}:${h}:flags=bicubic`)).frames[0]!;
  // Bicubic, then H.264 4:2:0 (BT.709, limited range) and back the way the engine decodes.
  const small = join(dir, `photo${index}-x${scale}.png`);
  const h264 = join(dir, `photo${index}-x${scale}.mp4`);
  await ffmpeg(['-i', png, '-vf', `scale=${w}:${h}:flags=bicubic`, '-pix_fmt', 'rgb48be', small]);
  await ffmpeg(['-i', small, '-vf', 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p', '-c:v', 'libx264', '-crf', String(CRF), '-color_range', 'tv', '-colorspace', 'bt709', h264]);
  const compressed = (await decodeFrames(h264)).frames[0]!;
  return { original, degraded: { bicubic, [`bicubic + H.264 crf ${CRF}`]: compressed } as Record<string, Uint16Array> };
}

function measure(test: Uint16Array, original: Uint16Array) {
  const [a, b] = [luma(test), luma(original)];
  return { psnr: psnr([test], [original]), ssim: ssim([a], [b], CROP.width, CROP.height), gmsd: gmsd(a, b, CROP.width, CROP.height) };
}

type Upscaler = { method: string; upscale: (small: Uint16Array, w: number, h: number) => Promise<Uint16Array> };

function upscalers(dir: string, stateDir: string, scale: 2 | 4, pool: WorkerPool): Upscaler[] {
  const lanczos: Upscaler = {
    method: 'ffmpeg lanczos',
    upscale: async (small, w, h) => {
      setFrameSize(w * scale, h * scale);
      return (await filterRaw(dir, [small], w, h, `scale=${w * scale}:${h * scale}:flags=lanczos`)).frames[0]!;
    },
  };
  // QUALITY_MODELS=a,b measures only those models (beside lanczos).
  const pick = process.env.QUALITY_MODELS?.split(',');
  const ids = [...BUILT_IN_MODELS.filter((m) => m.task === `upscale-x${scale}`).map((m) => m.id), ...upscalerjsModels().filter((m) => m.scale === scale).map((m) => m.id)].filter(
    (id) => !pick || pick.includes(id),
  );
  const step = (id: string): Upscaler => ({
    method: id,
    upscale: async (small, w, h) => {
      // One picture: the step without a past (no temporal stabilisation), as a preview runs it.
      const instance = await upscaleStep.create({ op: 'upscale', scale, model: id }, { source: {} as MediaInfo, width: w, height: h, stateDir, workers: pool, frames: 1 });
      return (await runStep(instance, [small], w, h)).frames[0]!;
    },
  });
  return [lanczos, ...ids.map(step)];
}

async function stillsSection(dir: string, stateDir: string, pool: WorkerPool): Promise<UpscaleQualityRow[]> {
  const photos = holdoutPhotos();
  if (photos.length === 0) return [];
  console.log(`\nupscale quality on ${photos.length} holdout photographs (${CROP.width}x${CROP.height} centre crops): ${photos.map((p) => p.name).join(', ')}`);
  const rows: UpscaleQualityRow[] = [];
  for (const scale of [2, 4] as const) {
    // per degradation, per method: one measurement per photo.
    const scores = new Map<string, ReturnType<typeof measure>[]>();
    for (const [index, photo] of photos.entries()) {
      console.log(`  x${scale}: ${photo.name} (${index + 1} of ${photos.length})`);
      const { original, degraded } = await prepare(dir, photo, index, scale);
      for (const [degradation, small] of Object.entries(degraded)) {
        for (const u of upscalers(dir, stateDir, scale, pool)) {
          const key = `${degradation}\u0000${u.method}`;
          scores.set(key, [...(scores.get(key) ?? []), measure(await u.upscale(small, CROP.width / scale, CROP.height / scale), original)]);
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [key, list] of scores) {
      const [degradation, method] = key.split('\u0000') as [string, string];
      const base = scores.get(`${degradation}\u0000ffmpeg lanczos`)!;
      rows.push({
        scale,
        degradation,
        method,
        psnr: mean(list.map((s) => s.psnr)),
        ssim: mean(list.map((s) => s.ssim)),
        gmsd: mean(list.map((s) => s.gmsd)),
        psnrVsLanczos: mean(list.map((s, i) => s.psnr - base[i]!.psnr)),
        gmsdVsLanczos: mean(list.map((s, i) => s.gmsd - base[i]!.gmsd)),
      });
    }
  }
  console.log(`${'x'.padEnd(3)}${'reduced by'.padEnd(26)}${'upscaled by'.padEnd(20)}${'PSNR'.padStart(7)}${'SSIM'.padStart(8)}${'GMSD'.padStart(8)}${'ΔPSNR'.padStart(8)}${'ΔGMSD'.padStart(9)}`);
  for (const r of rows) {
    console.log(
      `${String(r.scale).padEnd(3)}${r.degradation.padEnd(26)}${r.method.padEnd(20)}${r.psnr.toFixed(2).padStart(7)}${r.ssim.toFixed(4).padStart(8)}${r.gmsd.toFixed(4).padStart(8)}${r.psnrVsLanczos.toFixed(2).padStart(8)}${r.gmsdVsLanczos.toFixed(4).padStart(9)}`,
    );
  }
  return rows;
}

async function flickerSection(dir: string, stateDir: string, pool: WorkerPool): Promise<FlickerRow[]> {
  const model = await resolveModel(stateDir, 'upscale-x2');
  const rows: FlickerRow[] = [];
  for (const scene of temporalScenes(384, 256, 16, 2)) {
    const [w, h] = [scene.width / 2, scene.height / 2];
    setFrameSize(scene.width, scene.height);
    const lanczos = (await filterRaw(dir, scene.small, w, h, `scale=${scene.width}:${scene.height}:flags=lanczos`)).frames;
    const step = await upscaleStep.create({ op: 'upscale', scale: 2, model: model.id }, { source: {} as MediaInfo, width: w, height: h, stateDir, workers: pool });
    const ours = (await runStep(step, scene.small, w, h)).frames;
    const reference = scene.original.map(luma);
    for (const [method, frames] of [
      ['ffmpeg lanczos', lanczos],
      [`upscale step (${model.id})`, ours],
    ] as const) {
      const l = frames.map(luma);
      rows.push({ scene: scene.name, method, ...flickerIndex(l, reference, scene.width, scene.height), detail: detailFlicker(l, reference, scene.width, scene.height) });
    }
  }
  console.log(`\nupscale x2 temporal stability, ${384}x${256} output, 16 frames, noise 1/255 (lower is steadier):`);
  for (const r of rows) console.log(`${r.scene.padEnd(15)}${r.method.padEnd(34)} global ${r.global.toFixed(4)}  local ${r.local.toFixed(4)}  detail ${r.detail.toFixed(3)}`);
  return rows;
}

export async function upscaleSection(dir: string, pool: WorkerPool): Promise<{ stills: UpscaleQualityRow[]; flicker: FlickerRow[] }> {
  const stateDir = join(dir, 'upscale-state');
  await mkdir(stateDir, { recursive: true });
  const sub = join(dir, 'upscale');
  await mkdir(sub, { recursive: true });
  return { stills: await stillsSection(sub, stateDir, pool), flicker: await flickerSection(sub, stateDir, pool) };
}
