// A clip's first preview needs its probe (an ffprobe run, 0.2-0.3 s) before its decode can be
// set up, and the decode's own ffmpeg start (another 0.15 s) came after that. This starts the
// decode beside the probe, from the request alone: ffmpeg opens the source a little before the
// time asked for (the concat demuxer's `inpoint`, since a seek given on the command line would
// need the file's start), names what it found on stderr, and reads its filters from a pipe.
// Those are written at once from what ffmpeg named, a guess; once the probe is in, the guess
// must equal the filters a plain seek would use, or the early decode is dropped. A frame from
// it is therefore always the picture a plain seek gives.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolveTool } from '../media/ffmpeg.js';
import type { MediaInfo } from '../media/probe.js';
import { type Rational, parseRational, snapRate } from '../media/rational.js';
import { FrameDecoder, type Size, decodeFilters, rawOutputArgs, seekPoint } from './decode.js';
import { frameAt, previewSize } from './preview-size.js';

/**
 * How far before the time asked for the source is opened: more than the frame before it
 * (the frame asked for starts up to a frame earlier) and than a file's start offset.
 */
const EARLY_S = 0.5;

/** What the filters need to know of a clip. */
export type Described = Pick<MediaInfo, 'width' | 'height' | 'sampleAspect' | 'rate' | 'startS' | 'colour' | 'variableFrameRate'>;

const sameSize = (a: Size, b: Size) => a.width === b.width && a.height === b.height;

/** ffconcat quotes with '…', a quote inside as '\''. */
const quoted = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * The clip as ffmpeg's own line for its first video stream describes it, e.g.
 * `Stream #0:0(und): Video: h264 (High), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 24 fps, 23.98 tbr, 12288 tbn`;
 * undefined where the line says too little. Square pixels, no start offset and no rotation
 * are assumed: the probe settles them.
 */
export function describedBy(stderr: string): Described | undefined {
  const line = /^\s*Stream #0:\d+\S*: Video: (.*)$/m.exec(stderr)?.[1];
  if (!line) return undefined;
  // Top-level parts: commas inside (…) belong to a part.
  const parts = line.split(/,\s(?![^(]*\))/);
  const size = parts.map((p) => /^(\d+)x(\d+)(?: \[SAR (\d+):(\d+) )?/.exec(p)).find(Boolean);
  const tbr = parts.map((p) => /^([\d.]+)(k?) tbr$/.exec(p)).find(Boolean);
  if (!size || !tbr) return undefined;
  const measured = parseRational(`${Math.round(Number(tbr[1]) * (tbr[2] ? 1000 : 1) * 100)}/100`);
  if (!measured) return undefined;
  // "yuv420p(tv, bt709, progressive)": the range if said, then the matrix, alone or as
  // matrix/primaries/transfer, then the field order.
  const said = (/^\w+\((.*)\)$/.exec(parts[1] ?? '')?.[1] ?? '').split(', ');
  const range = said.find((s) => s === 'tv' || s === 'pc') as 'tv' | 'pc' | undefined;
  const matrix = said.find((s) => s !== range && !/first|progressive/.test(s))?.split('/')[0];
  const sar: Rational = size[3] && Number(size[3]) > 0 ? { num: Number(size[3]), den: Number(size[4]) } : { num: 1, den: 1 };
  return {
    width: Number(size[1]),
    height: Number(size[2]),
    sampleAspect: sar,
    rate: snapRate(measured as Rational),
    startS: 0,
    colour: { primaries: null, transfer: null, matrix: matrix && matrix !== 'unknown' ? matrix : null, range: range ?? null },
    variableFrameRate: false,
  };
}

/** An ffmpeg that waits for its source on stdin and for its filters on fd 3. */
function waitingDecoder(): ChildProcess {
  return spawn(
    resolveTool('ffmpeg').path,
    [
      // Info level for the stream's description; no progress lines.
      '-hide_banner', '-nostdin', '-nostats', '-v', 'info',
      // Timestamps as the concat demuxer gives them, the file's own less the inpoint, so
      // that the trim below can count from the file's start as a seek does.
      '-copyts',
      '-protocol_whitelist', 'file,pipe', '-f', 'concat', '-safe', '0', '-i', 'pipe:0',
      '-map', '0:v:0', '-an', '-sn', '-dn',
      '-filter_script:v', 'pipe:3',
      ...rawOutputArgs(), 'pipe:1',
    ],
    { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] },
  );
}

// The companion keeps one waiting ffmpeg loaded, so that a first look pays no ffmpeg start
// either. It holds no file; if the companion dies, its stdin ends and it exits.
let standby: ChildProcess | undefined;
let keepStandby = false;
const killStandby = () => standby?.kill('SIGKILL');

/** Keeps (or stops keeping) an ffmpeg standing by for the next early decode. */
export function standBy(on: boolean): void {
  keepStandby = on;
  if (on) {
    process.once('exit', killStandby);
    refillStandby();
  } else {
    process.removeListener('exit', killStandby);
    killStandby();
    standby = undefined;
  }
}

/** Starts the next ffmpeg standing by, once the one before has been used. */
export function refillStandby(): void {
  if (!keepStandby || standby || process.platform === 'win32') return;
  const child = waitingDecoder();
  child.on('error', () => undefined);
  child.on('exit', () => standby === child && (standby = undefined));
  standby = child;
}

export class EarlyDecode {
  private taken = false;
  private closed = false;
  private stderr = '';
  /** The filters written to ffmpeg, once they are. */
  private written?: string;

  private constructor(
    private readonly child: ChildProcess,
    private readonly path: string,
    private readonly timeS: number,
    private readonly maxWidth: number,
    private readonly inpointS: number,
  ) {
    // Closed, it can no longer be read (a short tail may have been written in full by then).
    child.on('error', () => (this.closed = true));
    child.on('close', () => (this.closed = true));
    // A child that has gone makes these pipes fail; whoever takes it sees that as its end.
    child.stdin!.on('error', () => undefined);
    this.filterPipe.on('error', () => undefined);
    const listen = (chunk: Buffer) => {
      this.stderr += chunk.toString();
      const described = describedBy(this.stderr);
      if (described || this.stderr.length > 65536) child.stderr!.off('data', listen);
      if (described && !this.written) this.write(this.filtersFor(described));
    };
    child.stderr!.on('data', listen);
  }

  private get filterPipe(): NodeJS.WritableStream {
    return this.child.stdio[3] as NodeJS.WritableStream;
  }

  /**
   * Starts the decode of `path` around `timeS` for a preview at most `maxWidth` wide, on the
   * ffmpeg standing by if there is one; none on Windows (no fd 3 pipe there), nor for a name
   * with a line break (ffconcat's lists are lines).
   */
  static start(path: string, timeS: number, maxWidth: number): EarlyDecode | undefined {
    if (process.platform === 'win32' || /[\r\n]/.test(path)) return undefined;
    const child = standby ?? waitingDecoder();
    standby = undefined;
    const inpointS = Math.max(0, timeS - EARLY_S);
    child.stdin!.end(`ffconcat version 1.0\nfile ${quoted(`file:${path}`)}\ninpoint ${inpointS.toFixed(6)}\n`);
    return new EarlyDecode(child, path, timeS, maxWidth, inpointS);
  }

  /** The filters that give the frame asked for at preview size, or undefined where the seek cannot be had from this start. */
  private filtersFor(media: Described): string | undefined {
    const seek = seekPoint(media, frameAt(this.timeS, media.rate));
    const trimS = media.startS + seek - this.inpointS;
    if (trimS < 0 && this.inpointS > 0) return undefined;
    return [...(seek > 0 ? [`trim=start=${trimS.toFixed(6)}`] : []), ...decodeFilters(media, previewSize(media, this.maxWidth))].join(',');
  }

  private write(filters: string | undefined): void {
    this.written = filters ?? '';
    this.filterPipe.end(this.written);
  }

  /**
   * The decoder of the frame asked for onward, or undefined where this start cannot give
   * what a plain seek would: another file, size or frame; a rotated or variable-rate clip
   * (the concat demuxer keeps no rotation, and the rate filter counts from its first
   * frame); filters guessed wrong; or an ffmpeg that has already stopped.
   */
  take(media: MediaInfo, frame: number, size: Size): FrameDecoder | undefined {
    const expected = media.rotation === 0 && !media.variableFrameRate ? this.filtersFor(media) : undefined;
    const fits = media.path === this.path && frame === frameAt(this.timeS, media.rate) && sameSize(size, previewSize(media, this.maxWidth));
    if (this.taken || this.closed || !fits || expected === undefined) return undefined;
    if (this.written === undefined) this.write(expected);
    if (this.written !== expected) return undefined;
    this.taken = true;
    return new FrameDecoder(this.child, media, size, 1);
  }

  /** Stops the ffmpeg unless a decoder took it. */
  kill(): void {
    if (!this.taken) this.child.kill('SIGKILL');
  }
}
