// Encodes 16-bit frames (written as planar gbrp16le) plus the source's audio and alpha of
// the same range into the output container, through an ffmpeg child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { extname } from 'node:path';
import { type Codec, CODEC_PRESETS, audioArgs, containerArgs, videoArgsFor } from '../media/codecs.js';
import { type ColourTags, scaleMatrix } from '../media/colour.js';
import { resolveTool } from '../media/ffmpeg.js';
import { hasAlpha, type MediaInfo } from '../media/probe.js';
import { formatRational, frameTime } from '../media/rational.js';
import { lastErrorLine } from '../media/run.js';
import { conformRate, seekInput } from './decode.js';

export interface EncodeSpec {
  media: MediaInfo;
  codec: Codec;
  width: number;
  height: number;
  /** First frame and frame count of the source range being written (for the audio). */
  firstFrame: number;
  count: number;
  timecode: string;
  colour: ColourTags;
  /** Temporary file ffmpeg writes; the container comes from `finalPath`'s extension. */
  tempPath: string;
  finalPath: string;
  metadata: Record<string, string>;
}

export function encodeArgs(spec: EncodeSpec): string[] {
  const preset = CODEC_PRESETS[spec.codec];
  const alpha = hasAlpha(spec.media.pixelFormat) ? preset.alpha : undefined;
  const pixelFormat = alpha?.pixelFormat ?? preset.pixelFormat;
  const rgb = pixelFormat.startsWith('gbr');
  const ext = extname(spec.finalPath).toLowerCase();
  const audio = spec.media.audio.length > 0;
  const start = frameTime(spec.firstFrame, spec.media.rate);
  const duration = frameTime(spec.count, spec.media.rate);
  // Non-square pixels stay so (every step scales both axes alike), or the clip comes back
  // stretched on the timeline.
  const sar = `setsar=${formatRational(spec.media.sampleAspect)}`;
  // The frames carry the tags too: ffmpeg 5.1 writes a frame's own (unspecified) colour into
  // a ProRes frame header over -color_primaries and the rest, which only reach the container.
  const { primaries, transfer, matrix } = spec.colour;
  const tags = `setparams=color_primaries=${primaries}:color_trc=${transfer}:colorspace=${rgb ? 'gbr' : matrix}:range=${rgb ? 'pc' : 'tv'}`;
  const scale = rgb
    ? `format=${pixelFormat},${sar},${tags}`
    : `scale=out_color_matrix=${scaleMatrix(matrix)}:out_range=tv:flags=bicubic+accurate_rnd,format=${pixelFormat},${sar},${tags}`;
  const timecode = ext === '.mkv' ? ['-metadata', `timecode=${spec.timecode}`] : ['-timecode', spec.timecode];
  const audioInput = alpha ? 2 : 1;
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'gbrp16le', '-s', `${spec.width}x${spec.height}`,
    '-framerate', formatRational(spec.media.rate), '-i', 'pipe:0',
    ...(alpha ? seekInput(spec.media, spec.firstFrame) : []),
    ...(audio ? ['-ss', start.toFixed(6), '-t', duration.toFixed(6), '-i', spec.media.path] : []),
    ...(alpha ? ['-filter_complex', `${alphaGraph(spec)};[0:v]format=gbrp16le[rgb];[rgb][alpha]alphamerge,${scale}[v]`, '-map', '[v]'] : ['-map', '0:v:0', '-vf', scale]),
    ...(audio ? ['-map', `${audioInput}:a`] : []),
    ...(alpha ? alpha.videoArgs : videoArgsFor(spec.codec, spec.width)),
    '-pix_fmt', pixelFormat,
    '-color_primaries', primaries,
    '-color_trc', transfer,
    '-colorspace', rgb ? 'rgb' : matrix,
    '-color_range', rgb ? 'pc' : 'tv',
    ...timecode,
    ...(audio ? audioArgs(spec.finalPath) : []),
    ...Object.entries(spec.metadata).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]),
    ...containerArgs(spec.finalPath),
    spec.tempPath,
  ];
}

/**
 * The source again, for its alpha plane: the steps see RGB only, so the matte comes from
 * the file, decoded from the same frame as the colour (the decoder's seek and rate), numbered
 * frame by frame like the piped frames, and scaled as they were.
 */
function alphaGraph(spec: EncodeSpec): string {
  const { num, den } = spec.media.rate;
  const chain = [
    ...conformRate(spec.media),
    'alphaextract',
    `setpts=N*${den}/${num}/TB`,
    `trim=end_frame=${spec.count}`,
    `scale=${spec.width}:${spec.height}:flags=lanczos`,
    'format=gray16le',
  ];
  return `[1:v:0]${chain.join(',')}[alpha]`;
}

export class FrameEncoder {
  private readonly child: ChildProcess;
  private readonly done: Promise<void>;
  private stderr = '';

  constructor(spec: EncodeSpec) {
    this.child = spawn(resolveTool('ffmpeg').path, encodeArgs(spec), { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8192);
    });
    // A broken pipe shows up as the process's exit status; nothing to do with it here.
    this.child.stdin!.on('error', () => undefined);
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(this.describeFailure(signal)));
      });
    });
    this.done.catch(() => undefined);
  }

  private describeFailure(signal: NodeJS.Signals | null): string {
    if (/No space left on device/i.test(this.stderr)) return 'disk full while writing the output';
    if (signal) return `encoder stopped by ${signal}`;
    return `encoding failed: ${lastErrorLine(this.stderr)}`;
  }

  /** Writes one frame's planar bytes; resolves once ffmpeg has taken them. */
  write(planar: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child.stdin!;
      if (stdin.destroyed || this.child.exitCode !== null) {
        this.done.then(() => reject(new Error('encoder closed early')), reject);
        return;
      }
      stdin.write(planar, (error) => {
        if (error) this.done.then(() => reject(error), reject);
        else resolve();
      });
    });
  }

  async finish(): Promise<void> {
    this.child.stdin!.end();
    await this.done;
  }

  /** Kills ffmpeg and waits until it has exited, so it can no longer touch the file. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.done.catch(() => undefined);
  }
}
