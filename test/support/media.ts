// Test media made on the fly with ffmpeg, and helpers to run the real CLI and read results.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveTool } from '../../companion/media/ffmpeg.js';

const run = promisify(execFile);
export const REPO = new URL('../../', import.meta.url).pathname;
export const CLI = join(REPO, 'bin', 'refinery.js');

export function ffmpeg(): string {
  return resolveTool('ffmpeg').path;
}

export function ffprobe(): string {
  return resolveTool('ffprobe').path;
}

export function tempDir(prefix = 'refinery-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface ClipOptions {
  fps?: string;
  seconds?: number;
  size?: string;
  audio?: boolean;
  timecode?: string;
  /** Video encoding arguments (default: H.264 like a typical AI clip). */
  args?: string[];
  /** Tag the colour as BT.709, as a camera or a careful generator would. */
  tagged?: boolean;
  source?: string;
}

/** testsrc2 (moving, numbered pattern) plus a sine tone, encoded like a typical AI clip. */
export async function makeClip(path: string, o: ClipOptions = {}): Promise<string> {
  const { fps = '25', seconds = 2, size = '320x180', audio = true } = o;
  const source = o.source ?? `testsrc2=s=${size}:r=${fps}:d=${seconds}`;
  const args = [
    '-hide_banner', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', source,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=f=440:sample_rate=48000:d=${seconds}`] : []),
    ...(o.args ?? ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '20', '-g', '12']),
    ...(o.tagged ? ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv'] : []),
    ...(audio ? ['-c:a', path.endsWith('.mp4') ? 'aac' : 'pcm_s16le'] : []),
    ...(o.timecode ? ['-timecode', o.timecode] : []),
    path,
  ];
  await run(ffmpeg(), args);
  return path;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  r_frame_rate?: string;
  nb_read_frames?: string;
  duration?: string;
  sample_rate?: string;
  color_primaries?: string;
  color_transfer?: string;
  color_space?: string;
  color_range?: string;
  tags?: Record<string, string>;
}

export async function probeStreams(path: string): Promise<{ streams: ProbedStream[]; format: { tags?: Record<string, string>; format_name: string } }> {
  const { stdout } = await run(ffprobe(), ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path]);
  return JSON.parse(stdout);
}

/** Every frame of a file as 16-bit RGB, converted like the pipeline does (BT.709, limited range). */
export async function decodeAll(path: string, extraFilters: string[] = []): Promise<Uint16Array[]> {
  const filters = [...extraFilters, 'scale=in_color_matrix=bt709:in_range=tv:out_range=pc'];
  const { stdout } = await run(
    ffmpeg(),
    ['-v', 'error', '-i', path, '-map', '0:v:0', '-vf', filters.join(','), '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb48le', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 30 },
  );
  const probe = await probeStreams(path);
  const v = probe.streams.find((s) => s.codec_type === 'video')!;
  const frameSize = v.width! * v.height! * 3;
  const all = new Uint16Array(stdout.buffer, stdout.byteOffset, stdout.byteLength / 2);
  const frames: Uint16Array[] = [];
  for (let i = 0; i + frameSize <= all.length; i += frameSize) frames.push(all.slice(i, i + frameSize));
  return frames;
}

/** Every frame's alpha plane as 8-bit samples, scaled to `size` (default: as stored). */
export async function decodeAlpha(path: string, size?: string): Promise<Uint8Array[]> {
  const filters = ['alphaextract', ...(size ? [`scale=${size.replace('x', ':')}:flags=area`] : [])];
  const { stdout } = await run(ffmpeg(), ['-v', 'error', '-i', path, '-vf', filters.join(','), '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 1 << 28,
  });
  const v = (await probeStreams(path)).streams.find((s) => s.codec_type === 'video')!;
  const frameSize = size ? size.split('x').reduce((a, b) => a * Number(b), 1) : v.width! * v.height!;
  const frames: Uint8Array[] = [];
  for (let i = 0; i + frameSize <= stdout.length; i += frameSize) frames.push(stdout.subarray(i, i + frameSize));
  return frames;
}

export function meanAbsDiff(a: Uint16Array, b: Uint16Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}
