// Decodes the frames of a range to 16-bit RGB through an ffmpeg child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { sourceMatrix } from '../media/colour.js';
import { resolveTool } from '../media/ffmpeg.js';
import type { MediaInfo } from '../media/probe.js';
import { formatRational, frameTime } from '../media/rational.js';
import { lastErrorLine } from '../media/run.js';
import type { Frame } from '../steps/step.js';
import { sharedFrame } from './frames.js';
import type { FrameRange } from './range.js';

export interface Size {
  width: number;
  height: number;
}

/**
 * `size` scales the picture (previews); by default frames keep the source size. `output` is
 * where the raw rgb48 frames go (a preview proxy file; by default the pipe).
 */
export function decodeArgs(media: MediaInfo, range: FrameRange, size?: Size, output = 'pipe:1'): string[] {
  // Seek half a frame early: ffmpeg's accurate seek drops every frame that starts before the
  // seek point, so the first frame kept is exactly `firstFrame` despite timestamp rounding.
  const seek = Math.max(0, frameTime(range.firstFrame - 0.5, media.rate));
  const filters = [
    ...(media.variableFrameRate ? [`fps=${formatRational(media.rate)}`] : []),
    `scale=${size ? `${size.width}:${size.height}:` : ''}in_color_matrix=${sourceMatrix(media)}:in_range=${media.colour.range === 'pc' ? 'pc' : 'tv'}:out_range=pc`,
  ];
  return [
    '-hide_banner', '-nostdin', '-v', 'error',
    ...(seek > 0 ? ['-ss', seek.toFixed(6)] : []),
    '-i', media.path,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', filters.join(','),
    // Every decoded frame exactly once: the default for raw output (cfr) would duplicate or
    // drop frames wherever timestamps round unevenly.
    '-vsync', 'passthrough',
    '-frames:v', String(range.count),
    '-f', 'rawvideo', '-pix_fmt', 'rgb48le', ...(output === 'pipe:1' ? [] : ['-y']), output,
  ];
}

/**
 * Reads frames ahead of the consumer (up to `depth`), so ffmpeg keeps decoding while the
 * steps work on earlier frames.
 */
export class FrameDecoder implements AsyncIterable<Frame> {
  private readonly child: ChildProcess;
  private readonly ready: Frame[] = [];
  /** Frames handed back after use; reusing them spares allocating 12 MB per 1080p frame. */
  private readonly spare: Frame[] = [];
  private waiting?: () => void;
  private current: Frame;
  private filled = 0;
  private ended = false;
  private failure?: Error;
  private stderr = '';

  constructor(
    media: MediaInfo,
    range: FrameRange,
    size?: Size,
    private readonly depth = 3,
  ) {
    const { width, height } = size ?? media;
    this.current = sharedFrame(width, height);
    this.child = spawn(resolveTool('ffmpeg').path, decodeArgs(media, range, size), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8192);
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.take(chunk));
    this.child.on('error', (e) => this.finish(e));
    this.child.on('close', (code, signal) => {
      if (code !== 0 && !this.failure) {
        this.finish(new Error(`decoding ${media.path} failed: ${signal ? `killed by ${signal}` : lastErrorLine(this.stderr)}`));
      } else if (this.filled > 0) {
        this.finish(new Error(`decoding ${media.path} ended inside a frame`));
      } else {
        this.finish();
      }
    });
  }

  private take(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const bytes = new Uint8Array(this.current.data.buffer);
      const n = Math.min(chunk.length - offset, bytes.length - this.filled);
      bytes.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === bytes.length) {
        this.ready.push(this.current);
        this.current = this.spare.pop() ?? sharedFrame(this.current.width, this.current.height);
        this.filled = 0;
        this.wake();
      }
    }
    if (this.ready.length >= this.depth) this.child.stdout!.pause();
  }

  private finish(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  /** Takes back a frame this decoder produced once nothing refers to it any more. */
  recycle(frame: Frame): void {
    if (frame.width === this.current.width && frame.height === this.current.height && this.spare.length < this.depth) {
      this.spare.push(frame);
    }
  }

  /** Stops ffmpeg at once (cancel, or an error further down the chain). */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    try {
      for (;;) {
        const frame = this.ready.shift();
        if (frame) {
          this.child.stdout!.resume();
          yield frame;
          continue;
        }
        if (this.ended) {
          if (this.failure) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => (this.waiting = resolve));
      }
    } finally {
      this.kill();
    }
  }
}
