// The quality harness's material, all made here (no downloaded media): two photographic-
// like renders (a landscape and a still life, procedural, ours, MIT like the repo) and
// ffmpeg's testsrc2 / mandelbrot / life, panned and zoomed, then damaged the way AI clips
// are: x264 at crf 38-45, JPEG blocking, grain, and brightness flicker.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveTool } from '../companion/media/ffmpeg.js';
import { encodePng } from '../companion/media/png.js';

const run = promisify(execFile);
export const FPS = 24;

// ---- procedural renders -------------------------------------------------------------

function hash(x: number, y: number, seed: number): number {
  let h = (x * 374761393 + y * 668265263 + seed * 144269504) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = hash(ix, iy, seed);
  const b = hash(ix + 1, iy, seed);
  const c = hash(ix, iy + 1, seed);
  const d = hash(ix + 1, iy + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

function fbm(x: number, y: number, octaves: number, seed: number): number {
  let s = 0;
  let amp = 0.5;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    s += amp * valueNoise(x * f, y * f, seed + o);
    amp *= 0.5;
    f *= 2.03;
  }
  return s;
}

type Rgb = [number, number, number];
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

function render(width: number, height: number, shade: (x: number, y: number) => Rgb) {
  const data = new Uint16Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = shade(x / width, y / height);
      for (let k = 0; k < 3; k++) data[(y * width + x) * 3 + k] = Math.round(Math.min(1, Math.max(0, c[k]!)) * 65535);
    }
  }
  return { width, height, data };
}

/** A landscape: sky with clouds, ridges, a field, a road, a house with windows and a fence. */
export function landscape(width: number, height: number) {
  const aspect = width / height;
  return render(width, height, (u, v) => {
    const x = u * aspect;
    const ridge = 0.38 + 0.12 * fbm(x * 2.5, 0.5, 5, 11);
    const field = 0.62 + 0.03 * Math.sin(x * 3);
    let c: Rgb;
    if (v < ridge) {
      const cloud = Math.max(0, fbm(x * 3, v * 6, 6, 3) - 0.45) * 2.2;
      c = mix(mix([0.25, 0.45, 0.8], [0.75, 0.85, 0.95], v / ridge), [0.97, 0.97, 0.98], Math.min(1, cloud));
    } else if (v < field) {
      const rock = fbm(x * 14, v * 14, 6, 5);
      const light = 0.6 + 0.5 * (fbm(x * 4, v * 4, 3, 9) - 0.5);
      c = mix([0.32, 0.3, 0.33], [0.55, 0.5, 0.45], rock);
      c = [c[0] * light * 1.3, c[1] * light * 1.3, c[2] * light * 1.3];
      if (v < ridge + 0.03 && fbm(x * 20, v * 20, 3, 2) > 0.45) c = [0.92, 0.93, 0.96];
    } else {
      const grass = fbm(x * 40, v * 60, 5, 7);
      c = mix([0.18, 0.35, 0.1], [0.45, 0.6, 0.2], grass);
      const road = Math.abs(x - (0.9 + (v - field) * 1.6));
      if (road < 0.05 + (v - field) * 0.4) c = mix([0.35, 0.33, 0.3], [0.5, 0.48, 0.44], fbm(x * 80, v * 80, 3, 8));
    }
    // A house: walls, a roof, windows with bars; a fence of thin posts.
    const hx = x - 1.15;
    const hv = v - 0.5;
    if (hx > 0 && hx < 0.3 && hv > 0 && hv < 0.16) {
      c = [0.85, 0.78, 0.65];
      const wx = (hx * 40) % 4;
      const wy = (hv * 40) % 3;
      if (wx > 1 && wx < 3 && wy > 1 && wy < 2.4) c = Math.abs(wx - 2) < 0.08 || Math.abs(wy - 1.7) < 0.08 ? [0.9, 0.9, 0.9] : [0.1, 0.15, 0.25];
    } else if (hx > -0.03 && hx < 0.33 && hv <= 0 && hv > -0.1 + Math.abs(hx - 0.15) * 0.6) {
      c = mix([0.55, 0.15, 0.1], [0.35, 0.1, 0.08], ((hx * 120) % 2) / 2);
    }
    if (v > 0.7 && v < 0.78 && ((x * 90) % 1 < 0.18 || Math.abs(v - 0.72) < 0.004)) c = [0.95, 0.92, 0.85];
    return c;
  });
}

/** A still life: fruit-like spheres with highlights on a checked cloth before wood grain. */
export function stillLife(width: number, height: number) {
  const aspect = width / height;
  const balls = [
    { x: 0.5, y: 0.62, r: 0.16, c: [0.85, 0.2, 0.12] as Rgb },
    { x: 0.85, y: 0.66, r: 0.13, c: [0.95, 0.75, 0.15] as Rgb },
    { x: 1.15, y: 0.6, r: 0.17, c: [0.3, 0.6, 0.15] as Rgb },
    { x: 1.45, y: 0.7, r: 0.1, c: [0.5, 0.15, 0.45] as Rgb },
  ];
  return render(width, height, (u, v) => {
    const x = u * aspect;
    let c: Rgb;
    if (v < 0.55) {
      const g = fbm(x * 3, v * 30 + 4 * fbm(x * 2, v * 2, 3, 1), 5, 21);
      c = mix([0.3, 0.18, 0.09], [0.62, 0.42, 0.24], g);
    } else {
      const cx = Math.floor(x * 18);
      const cy = Math.floor(v * 18);
      c = (cx + cy) % 2 ? [0.92, 0.9, 0.86] : [0.2, 0.3, 0.6];
      const weave = fbm(x * 150, v * 150, 2, 4);
      c = mix(c, [c[0] * 0.8, c[1] * 0.8, c[2] * 0.8], weave * 0.6);
    }
    for (const b of balls) {
      const dx = (x - b.x) / b.r;
      const dy = (v - b.y) / b.r;
      const d2 = dx * dx + dy * dy;
      if (d2 < 1) {
        const nz = Math.sqrt(1 - d2);
        const diffuse = Math.max(0, -0.5 * dx - 0.6 * dy + 0.62 * nz);
        const spec = Math.pow(Math.max(0, -0.3 * dx - 0.4 * dy + 0.86 * nz), 40);
        const skin = 0.85 + 0.15 * fbm(x * 60, v * 60, 3, 13);
        c = [b.c[0] * (0.15 + 0.85 * diffuse) * skin + spec, b.c[1] * (0.15 + 0.85 * diffuse) * skin + spec, b.c[2] * (0.15 + 0.85 * diffuse) * skin + spec];
      }
    }
    return c;
  });
}

// ---- clips ----------------------------------------------------------------------------

export interface Clip {
  name: string;
  /** The clean source, lossless 4:2:0 (what the damage is measured against). */
  source: string;
  /** The damaged clip the steps and ffmpeg's filters get. */
  damaged: string;
  width: number;
  height: number;
  frames: number;
  note: string;
}

function ffmpeg(args: string[]) {
  return run(resolveTool('ffmpeg').path, ['-hide_banner', '-v', 'error', '-y', ...args], { maxBuffer: 1 << 30 });
}

const TAGS = ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv'];
const LOSSLESS = ['-c:v', 'ffv1', '-pix_fmt', 'yuv420p', ...TAGS];

/** Writes the two renders as PNG files into `dir`; returns their paths. */
export async function makeStills(dir: string): Promise<{ landscape: string; stillLife: string }> {
  const a = join(dir, 'landscape.png');
  const b = join(dir, 'still-life.png');
  await writeFile(a, encodePng(landscape(1536, 864)));
  await writeFile(b, encodePng(stillLife(1536, 864)));
  return { landscape: a, stillLife: b };
}

interface SourceSpec {
  /** ffmpeg input arguments. */
  input: string[];
  /** A -filter_complex graph ending in [v], or a -vf chain. */
  graph: string;
}

async function source(path: string, spec: SourceSpec, frames: number): Promise<void> {
  await ffmpeg([...spec.input, '-filter_complex', spec.graph, '-map', '[v]', '-frames:v', String(frames), '-r', String(FPS), ...LOSSLESS, path]);
}

const pan = (still: string, w: number, h: number, dx: number, dy: number, x0 = 100, y0 = 60): SourceSpec => ({
  input: ['-loop', '1', '-framerate', String(FPS), '-i', still],
  graph: `[0]crop=${2 * w}:${2 * h}:x='${x0}+${dx}*n':y='${y0}+${dy}*n',scale=${w}:${h}:flags=area,format=yuv420p[v]`,
});

const zoom = (still: string, w: number, h: number): SourceSpec => ({
  input: ['-loop', '1', '-framerate', String(FPS), '-i', still],
  graph: `[0]zoompan=z='1.15+0.006*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s=${w}x${h}:fps=${FPS},format=yuv420p[v]`,
});

const stillWithObject = (still: string, sprite: string, w: number, h: number): SourceSpec => ({
  input: ['-loop', '1', '-framerate', String(FPS), '-i', still, '-loop', '1', '-framerate', String(FPS), '-i', sprite],
  graph:
    `[0]crop=${2 * w}:${2 * h}:x=300:y=200,scale=${w}:${h}:flags=area[bg];` +
    `[1]crop=400:400:x=500:y=400,scale=${w >> 2}:${w >> 2}:flags=area[s];` +
    `[bg][s]overlay=x='20+5*n':y='${h >> 2}+2*n',format=yuv420p[v]`,
});

const lavfi = (src: string): SourceSpec => ({ input: ['-f', 'lavfi', '-i', src], graph: '[0]format=yuv420p[v]' });

/** The clean-step clips: sources, then the damage. */
export async function makeCleanClips(dir: string, frames: number): Promise<Clip[]> {
  const stills = await makeStills(dir);
  const W = 512;
  const H = 288;
  const w = 384;
  const h = 216;
  const defs: { name: string; spec: SourceSpec; width: number; height: number; damage: string[]; pre?: string; note: string }[] = [
    { name: 'landscape-pan-crf42', spec: pan(stills.landscape, W, H, 3, 1), width: W, height: H, damage: x264(42), note: 'photographic pan, libx264 crf 42' },
    { name: 'landscape-pan-crf20', spec: pan(stills.landscape, W, H, 3, 1), width: W, height: H, damage: x264(20), note: 'photographic pan, libx264 crf 20: good footage, whose detail must stay' },
    { name: 'stilllife-zoom-crf23', spec: zoom(stills.stillLife, W, H), width: W, height: H, damage: x264(23), note: 'photographic zoom, libx264 crf 23: good footage, whose detail must stay' },
    { name: 'stilllife-zoom-crf38', spec: zoom(stills.stillLife, W, H), width: W, height: H, damage: x264(38), note: 'photographic zoom, libx264 crf 38' },
    { name: 'still+object-crf40', spec: stillWithObject(stills.landscape, stills.stillLife, W, H), width: W, height: H, damage: x264(40), note: 'locked-off shot, moving object, crf 40' },
    { name: 'landscape-pan-jpeg', spec: pan(stills.landscape, W, H, 2, 1, 400, 100), width: W, height: H, damage: jpeg(14), note: 'photographic pan, JPEG q14 (blocking)' },
    { name: 'landscape-pan-noise-crf18', spec: pan(stills.landscape, W, H, 3, 1), width: W, height: H, damage: x264(18), pre: 'noise=alls=6:allf=t', note: 'pan + sensor noise, crf 18: noisy footage, lightly compressed' },
    { name: 'stilllife-grain-crf30', spec: pan(stills.stillLife, W, H, 2, 0), width: W, height: H, damage: x264(30), pre: 'noise=alls=14:allf=t', note: 'pan + film grain, crf 30' },
    { name: 'testsrc2-crf40', spec: lavfi(`testsrc2=s=${w}x${h}:r=${FPS}`), width: w, height: h, damage: x264(40), note: 'synthetic, sharp detail, crf 40' },
    { name: 'mandelbrot-crf38', spec: lavfi(`mandelbrot=s=${w}x${h}:r=${FPS}:start_scale=1.5`), width: w, height: h, damage: x264(38), note: 'synthetic zoom, crf 38' },
    { name: 'life-crf45', spec: lavfi(`life=s=${w}x${h}:r=${FPS}:seed=7:mold=10:ratio=0.2:life_color=#f0e0a0:death_color=#1d3c5a:mold_color=#6a3a8a`), width: w, height: h, damage: x264(45), note: 'synthetic, hard cells, crf 45' },
  ];
  const clips: Clip[] = [];
  for (const d of defs) {
    const src = join(dir, `${d.name}.src.mkv`);
    const damaged = join(dir, `${d.name}.damaged.${d.damage.includes('mjpeg') ? 'avi' : 'mp4'}`);
    await source(src, d.spec, frames);
    await ffmpeg(['-i', src, ...(d.pre ? ['-vf', d.pre] : []), ...d.damage, ...TAGS, damaged]);
    clips.push({ name: d.name, source: src, damaged, width: d.width, height: d.height, frames, note: d.note });
  }
  return clips;
}

function x264(crf: number): string[] {
  return ['-c:v', 'libx264', '-preset', 'medium', '-crf', String(crf), '-pix_fmt', 'yuv420p'];
}

function jpeg(q: number): string[] {
  return ['-c:v', 'mjpeg', '-q:v', String(q), '-strict', 'unofficial', '-pix_fmt', 'yuv420p'];
}

/** Sources for the deflicker clips (clean, lossless); the flicker is added to their frames. */
export async function makeFlickerSources(dir: string, frames: number): Promise<{ landscape: string; object: string; second: string }> {
  const stills = await makeStills(dir);
  const W = 512;
  const H = 288;
  const landscapePath = join(dir, 'flicker-landscape.src.mkv');
  const objectPath = join(dir, 'flicker-object.src.mkv');
  const secondPath = join(dir, 'flicker-second.src.mkv');
  await source(landscapePath, pan(stills.landscape, W, H, 3, 1), frames);
  await source(objectPath, stillWithObject(stills.stillLife, stills.landscape, W, H), frames);
  await source(secondPath, pan(stills.stillLife, W, H, -2, 1, 400, 200), frames);
  return { landscape: landscapePath, object: objectPath, second: secondPath };
}

/** Every frame of a file as rgb48, converted as the engine converts (BT.709, limited → full). */
export async function decodeFrames(path: string, filters: string[] = []): Promise<{ frames: Uint16Array[]; seconds: number }> {
  const chain = [...filters, 'scale=in_color_matrix=bt709:in_range=tv:out_range=pc'].join(',');
  const started = performance.now();
  const { stdout } = await run(
    resolveTool('ffmpeg').path,
    ['-v', 'error', '-threads', '2', '-i', path, '-map', '0:v:0', '-vf', chain, '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb48le', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 30 },
  );
  const seconds = (performance.now() - started) / 1000;
  return { frames: splitFrames(stdout), seconds };
}

let frameSamples = 0;

/** Sets the frame size that splitFrames cuts raw rgb48 output into. */
export function setFrameSize(width: number, height: number): void {
  frameSamples = width * height * 3;
}

function splitFrames(buf: Buffer): Uint16Array[] {
  const all = new Uint16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2);
  const out: Uint16Array[] = [];
  for (let i = 0; i + frameSamples <= all.length; i += frameSamples) out.push(all.slice(i, i + frameSamples));
  return out;
}

/** Runs an ffmpeg filter graph over raw rgb48 frames (written to `dir`), returns its frames and time. */
export async function filterRaw(dir: string, frames: Uint16Array[], width: number, height: number, graph: string): Promise<{ frames: Uint16Array[]; seconds: number }> {
  const input = join(dir, `raw-${width}x${height}.rgb48`);
  await writeFile(input, Buffer.concat(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))));
  const started = performance.now();
  const { stdout } = await run(
    resolveTool('ffmpeg').path,
    ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb48le', '-s', `${width}x${height}`, '-r', String(FPS), '-i', input, '-vf', graph, '-f', 'rawvideo', '-pix_fmt', 'rgb48le', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 30 },
  );
  const seconds = (performance.now() - started) / 1000;
  return { frames: splitFrames(stdout), seconds };
}
