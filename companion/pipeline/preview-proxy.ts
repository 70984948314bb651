// A lossless all-intra copy of a previewed clip at preview size. Generated clips come as
// long-GOP H.264, so a preview that seeks decodes every frame since the keyframe before it
// (most of a second at 1080p on a laptop); from the proxy it decodes one frame. The proxy is
// built in the background at low priority after a clip's first preview, from the very frames
// a direct decode gives (FFV1 of rgb48, so a preview from it is the same picture), and kept in
// <stateDir>/cache/previews within a size budget, oldest first out.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { resolveTool } from '../media/ffmpeg.js';
import type { MediaInfo } from '../media/probe.js';
import { formatRational } from '../media/rational.js';
import { decodeFilters, seekArgs, type Size } from './decode.js';
import type { FrameRange } from './range.js';

const CACHE_BYTES = 2 * 1024 ** 3;
/** Clips whose frames at preview size exceed this (as raw rgb48) get no proxy. */
const MAX_RAW_BYTES = 6 * 1024 ** 3;
/** Panel-sized previews only: a full-size 4K proxy would cost more disk than it saves time. */
const MAX_PIXELS = 1280 * 720;

export class PreviewProxies {
  private readonly building = new Map<string, ChildProcess>();
  private swept = false;

  constructor(readonly dir: string) {}

  /** Named for the clip as it is now: an edited source gets a new proxy. */
  private async file(media: MediaInfo, size: Size): Promise<string> {
    const { mtimeMs } = await stat(media.path);
    const key = createHash('sha256').update(JSON.stringify([media.path, media.sizeBytes, mtimeMs, size.width, size.height])).digest('hex');
    return join(this.dir, `${key.slice(0, 32)}.mkv`);
  }

  /** The finished proxy of this clip at this size, if there is one. */
  async find(media: MediaInfo, size: Size): Promise<string | undefined> {
    const file = await this.file(media, size);
    if (this.building.has(file)) return undefined;
    return stat(file).then(
      () => file,
      () => undefined,
    );
  }

  /** Starts building the proxy unless it exists, is under way, or the clip is too long for one. */
  async build(media: MediaInfo, size: Size): Promise<void> {
    const file = await this.file(media, size);
    const pixels = size.width * size.height;
    if (this.building.has(file) || pixels > MAX_PIXELS || media.frames * pixels * 6 > MAX_RAW_BYTES || (await this.find(media, size))) return;
    await mkdir(this.dir, { recursive: true });
    if (!this.swept) {
      // Half-built proxies of an earlier companion (one runs per state folder) are rubbish.
      this.swept = true;
      for (const name of await readdir(this.dir)) if (name.endsWith('.partial')) await rm(join(this.dir, name), { force: true });
    }
    const partial = `${file}.partial`;
    const args = [
      '-hide_banner', '-nostdin', '-v', 'error', '-y',
      '-i', media.path,
      '-map', '0:v:0', '-an', '-sn', '-dn',
      // Frame n at n/rate from zero, whatever the source's timestamps, so seeks land as on a decode.
      '-vf', [...decodeFilters(media, size), 'format=rgb48le', `setpts=N/(${formatRational(media.rate)})/TB`].join(','),
      '-vsync', 'passthrough',
      '-frames:v', String(media.frames),
      '-c:v', 'ffv1', '-level', '3', '-pix_fmt', 'gbrp16le', '-threads', '1',
      '-f', 'matroska', partial,
    ];
    const child = spawn(resolveTool('ffmpeg').path, args, { stdio: 'ignore' });
    this.building.set(file, child);
    // A file-writing child outlives its parent; this one must not.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    try {
      if (child.pid) setPriority(child.pid, 19);
    } catch {
      // Lowering priority is a courtesy; some systems refuse it.
    }
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(-1));
      child.once('close', resolve);
    });
    process.removeListener('exit', kill);
    try {
      if (code === 0) {
        await rename(partial, file);
        await this.trim();
      } else {
        await rm(partial, { force: true });
      }
    } finally {
      this.building.delete(file);
    }
  }

  /** Removes the oldest proxies beyond the cache budget. */
  private async trim(): Promise<void> {
    const files = await Promise.all(
      (await readdir(this.dir)).filter((n) => n.endsWith('.mkv')).map(async (n) => ({ path: join(this.dir, n), info: await stat(join(this.dir, n)) })),
    );
    files.sort((a, b) => b.info.mtimeMs - a.info.mtimeMs);
    let total = 0;
    for (const f of files) {
      total += f.info.size;
      if (total > CACHE_BYTES) await rm(f.path, { force: true });
    }
  }
}

/** ffmpeg arguments that read frames of `range` from a proxy as rgb48. */
export function proxyArgs(file: string, media: MediaInfo, range: FrameRange): string[] {
  return [
    '-hide_banner', '-nostdin', '-v', 'error',
    ...seekArgs(range, media.rate),
    '-i', file,
    '-map', '0:v:0',
    '-vsync', 'passthrough',
    '-frames:v', String(range.count),
    '-f', 'rawvideo', '-pix_fmt', 'rgb48le', 'pipe:1',
  ];
}
