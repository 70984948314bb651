// The decoded frames of a previewed clip at preview size, kept on disk. Generated clips come
// as long-GOP H.264, so a preview that seeks decodes every frame since the keyframe before it
// (most of a second at 1080p), and even an all-intra file costs an ffmpeg start per frame;
// from this proxy a preview reads one frame's bytes. It is built in the background at low
// priority after a clip's first preview, by the very decode a preview runs (so a frame from
// it is the same picture), in <stateDir>/cache/previews within a size budget, oldest out.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { resolveTool } from '../media/ffmpeg.js';
import type { MediaInfo } from '../media/probe.js';
import type { Frame } from '../steps/step.js';
import { decodeArgs, type Size } from './decode.js';
import { frameBytes, sharedFrame } from './frames.js';
import { resolveRange } from './range.js';

const CACHE_BYTES = 2 * 1024 ** 3;
/** A longer clip (about 13 s at 960x540) gets no proxy; its previews decode. */
const MAX_PROXY_BYTES = 1024 ** 3;

export interface Proxy {
  file: string;
  size: Size;
  /** Frames in the file (the clip's, unless its stream ended early). */
  frames: number;
}

export class PreviewProxies {
  private readonly building = new Set<string>();
  private swept = false;

  constructor(readonly dir: string) {}

  /** Named for the clip as it is now: an edited source gets a new proxy. */
  private async file(media: MediaInfo, size: Size): Promise<string> {
    const { mtimeMs } = await stat(media.path);
    const key = createHash('sha256').update(JSON.stringify([media.path, media.sizeBytes, mtimeMs, size.width, size.height])).digest('hex');
    return join(this.dir, `${key.slice(0, 32)}.rgb48`);
  }

  /** The finished proxy of this clip at this size, if there is one. */
  async find(media: MediaInfo, size: Size): Promise<Proxy | undefined> {
    const file = await this.file(media, size);
    if (this.building.has(file)) return undefined;
    const info = await stat(file).catch(() => undefined);
    return info ? { file, size, frames: Math.floor(info.size / frameBytes(size.width, size.height)) } : undefined;
  }

  /** Starts building the proxy unless it exists, is under way, or the clip is too long for one. */
  async build(media: MediaInfo, size: Size): Promise<void> {
    const file = await this.file(media, size);
    if (this.building.has(file) || media.frames * frameBytes(size.width, size.height) > MAX_PROXY_BYTES || (await this.find(media, size))) return;
    this.building.add(file);
    const partial = `${file}.partial`;
    try {
      await mkdir(this.dir, { recursive: true });
      if (!this.swept) {
        // Half-built proxies of an earlier companion (one runs per state folder) are rubbish.
        this.swept = true;
        for (const name of await readdir(this.dir)) if (name.endsWith('.partial') && join(this.dir, name) !== partial) await rm(join(this.dir, name), { force: true });
      }
      const child = spawn(resolveTool('ffmpeg').path, decodeArgs(media, resolveRange(media, {}), size, partial), { stdio: 'ignore' });
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
      if (code !== 0) throw new Error(`the preview proxy of ${media.path} was not built`);
      await rename(partial, file);
      await this.trim();
    } finally {
      await rm(partial, { force: true });
      this.building.delete(file);
    }
  }

  /** Removes the oldest proxies beyond the cache budget. */
  private async trim(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.rgb48'));
    const files = await Promise.all(names.map(async (n) => ({ path: join(this.dir, n), info: await stat(join(this.dir, n)) })));
    files.sort((a, b) => b.info.mtimeMs - a.info.mtimeMs);
    let total = 0;
    for (const f of files) {
      total += f.info.size;
      if (total > CACHE_BYTES) await rm(f.path, { force: true });
    }
  }
}

/** Frame `n` of a proxy. */
export async function readProxyFrame(proxy: Proxy, n: number): Promise<Frame> {
  const frame = sharedFrame(proxy.size.width, proxy.size.height);
  const bytes = new Uint8Array(frame.data.buffer);
  const handle = await open(proxy.file, 'r');
  try {
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, n * bytes.length);
    if (bytesRead !== bytes.length) throw new Error(`the preview proxy ${proxy.file} has no frame ${n}`);
  } finally {
    await handle.close();
  }
  return frame;
}
