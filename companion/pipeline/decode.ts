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
  return [
    '-hide_banner', '-nostdin', '-v', 'error',
    ...seekInput(media, range.firstFrame),
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', decodeFilters(media, size).join(','),
    ...rawOutputArgs(range.count), ...(output === 'pipe:1' ? [] : ['-y']), output,
  ];
}

/**
 * Where a decode of `frame` onward seeks, in seconds from the file's start: half a frame
 * early, because ffmpeg's accurate seek drops every frame that starts before the seek point,
 * so the first frame kept is exactly `frame` despite timestamp rounding.
 */
export function seekPoint(media: Pick<MediaInfo, 'rate'>, frame: number): number {
  return Math.max(0, frameTime(frame - 0.5, media.rate));
}

/** ffmpeg input arguments that open `media` for decoding from `frame` on. */
export function seekInput(media: Pick<MediaInfo, 'rate' | 'path'>, frame: number): string[] {
  const seek = seekPoint(media, frame);
  return [...(seek > 0 ? ['-ss', seek.toFixed(6)] : []), '-i', media.path];
}

/** A variable rate conformed to the constant one the frames are counted in. */
export function conformRate(media: Pick<MediaInfo, 'variableFrameRate' | 'rate'>): string[] {
  return media.variableFrameRate ? [`fps=${formatRational(media.rate)}`] : [];
}

/** From decoded pictures to the frames the steps get: constant rate, full-range RGB at `size`. */
export function decodeFilters(media: Pick<MediaInfo, 'variableFrameRate' | 'rate' | 'colour' | 'height'>, size?: Size): string[] {
  return [
    ...conformRate(media),
    `scale=${size ? `${size.width}:${size.height}:` : ''}in_color_matrix=${sourceMatrix(media)}:in_range=${media.colour.range === 'pc' ? 'pc' : 'tv'}:out_range=pc`,
  ];
}

/** rgb48 frames out, `count` of them (by default, to the end). */
export function rawOutputArgs(count?: number): string[] {
  return [
    // Every decoded frame exactly once: the default for raw output (cfr) would duplicate or
    // drop frames wherever timestamps round unevenly.
    '-vsync', 'passthrough',
    ...(count === undefined ? [] : ['-frames:v', String(count)]),
    '-f', 'rawvideo', '-pix_fmt', 'rgb48le',
  ];
}

/**
 * Reads frames ahead of the consumer (up to `depth`), so ffmpeg keeps decoding while the
 * steps work on earlier frames.
 */
export class FrameDecoder implements AsyncIterable<Frame> {
  private readonly ready: Frame[] = [];
  /** Frames handed back after use; reusing them spares allocating 12 MB per 1080p frame. */
  private readonly spare: Frame[] = [];
  private waiting?: () => void;
  private current: Frame;
  private filled = 0;
  private ended = false;
  private failure?: Error;
  private stderr = '';

  /** Decodes `range` of the clip, at `size` if given. */
  static open(media: MediaInfo, range: FrameRange, size?: Size, depth = 3): FrameDecoder {
    const child = spawn(resolveTool('ffmpeg').path, decodeArgs(media, range, size), { stdio: ['ignore', 'pipe', 'pipe'] });
    return new FrameDecoder(child, media, size ?? media, depth);
  }

  /** Reads the frames of `size` that `child`, an ffmpeg decoding `media`, writes to its stdout. */
  constructor(
    private readonly child: ChildProcess,
    media: MediaInfo,
    size: Size,
    private readonly depth = 3,
  ) {
    this.current = sharedFrame(size.width, size.height);
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
