// Output codec presets: what each codec means in ffmpeg arguments, and where it may go.
import { extname } from 'node:path';
import { CODEC_NAMES } from '../../src/protocol/messages.js';

export const CODECS = CODEC_NAMES;
export type Codec = (typeof CODECS)[number];

export interface CodecPreset {
  label: string;
  /** Encoder name, as `ffmpeg -encoders` lists it. */
  encoder: string;
  /** Pixel format written; RGB formats keep the 16-bit frames lossless. */
  pixelFormat: string;
  videoArgs: string[];
  /** Arguments for an odd width, where the encoder above refuses one. */
  oddWidthArgs?: string[];
  /** 4:2:0 cannot hold an odd width or height at all. */
  evenSize?: boolean;
  /** The smallest frame the encoder takes, width and height. */
  minSize?: [number, number];
  /** Pixel format and arguments that keep a source's alpha channel; absent where the codec has none. */
  alpha?: { label: string; pixelFormat: string; videoArgs: string[] };
  /** Containers (file extensions) the codec may be written to. The first is the default. */
  containers: string[];
}

export const CODEC_PRESETS: Record<Codec, CodecPreset> = {
  prores: {
    label: 'ProRes 422 HQ, 10-bit 4:2:2',
    // prores_aw writes the same bitstream as prores_ks at about three times its speed,
    // which keeps a 1080p job at real time on two cores.
    encoder: 'prores_aw',
    pixelFormat: 'yuv422p10le',
    videoArgs: ['-c:v', 'prores_aw', '-profile:v', '3', '-vendor', 'apl0'],
    // prores_aw refuses widths that are not a multiple of 2 (853x480 is a common one).
    oddWidthArgs: ['-c:v', 'prores_ks', '-profile:v', '3', '-vendor', 'apl0'],
    alpha: {
      label: 'ProRes 4444 with alpha',
      pixelFormat: 'yuva444p10le',
      videoArgs: ['-c:v', 'prores_ks', '-profile:v', '4444', '-alpha_bits', '16', '-vendor', 'apl0'],
    },
    containers: ['.mov'],
  },
  h264: {
    label: 'H.264 High, 8-bit 4:2:0, high quality',
    encoder: 'libx264',
    pixelFormat: 'yuv420p',
    videoArgs: ['-c:v', 'libx264', '-preset', 'medium', '-crf', '16', '-profile:v', 'high'],
    evenSize: true,
    containers: ['.mp4', '.mov', '.mkv'],
  },
  dnxhr: {
    label: 'DNxHR HQX, 10-bit 4:2:2',
    encoder: 'dnxhd',
    pixelFormat: 'yuv422p10le',
    videoArgs: ['-c:v', 'dnxhd', '-profile:v', 'dnxhr_hqx'],
    minSize: [256, 120],
    containers: ['.mxf', '.mov'],
  },
  ffv1: {
    label: 'FFV1 version 3, lossless 16-bit RGB',
    encoder: 'ffv1',
    pixelFormat: 'gbrp16le',
    videoArgs: ['-c:v', 'ffv1', '-level', '3', '-g', '1', '-slicecrc', '1', '-slices', '4'],
    alpha: { label: 'FFV1 16-bit RGBA', pixelFormat: 'gbrap16le', videoArgs: ['-c:v', 'ffv1', '-level', '3', '-g', '1', '-slicecrc', '1', '-slices', '4'] },
    containers: ['.mkv', '.mov'],
  },
};

export class CodecError extends Error {}

export function isCodec(name: string): name is Codec {
  return (CODECS as readonly string[]).includes(name);
}

/** The codec to use when none is named: the one whose default container the output has. */
export function codecForOutput(outputPath: string, requested: string | undefined): Codec {
  const ext = extname(outputPath).toLowerCase();
  if (requested !== undefined) {
    if (!isCodec(requested)) throw new CodecError(`unknown codec "${requested}": use one of ${CODECS.join(', ')}`);
    if (!CODEC_PRESETS[requested].containers.includes(ext)) {
      throw new CodecError(
        `${requested} cannot be written to a ${ext || 'file without extension'}: use ${CODEC_PRESETS[requested].containers.join(' or ')}`,
      );
    }
    return requested;
  }
  const byContainer = CODECS.find((c) => CODEC_PRESETS[c].containers[0] === ext) ?? CODECS.find((c) => CODEC_PRESETS[c].containers.includes(ext));
  if (!byContainer) throw new CodecError(`unsupported output extension "${ext}": use .mov, .mp4, .mxf or .mkv`);
  return byContainer;
}

/** What a codec needs that a frame size lacks, or undefined when the codec takes it. */
function sizeProblem(codec: Codec, width: number, height: number): string | undefined {
  const { evenSize, minSize } = CODEC_PRESETS[codec];
  if (evenSize && (width % 2 !== 0 || height % 2 !== 0)) return 'an even width and height (4:2:0)';
  if (minSize && (width < minSize[0] || height < minSize[1])) return `at least ${minSize[0]}x${minSize[1]}`;
  return undefined;
}

/** Refuses an output frame size the codec cannot hold, so that such a job is refused before it starts. */
export function checkFrameSize(codec: Codec, width: number, height: number): void {
  const needs = sizeProblem(codec, width, height);
  if (!needs) return;
  const others = CODECS.filter((c) => !sizeProblem(c, width, height)).join(', ');
  throw new CodecError(`${codec} needs ${needs}, and the output would be ${width}x${height}: use codec ${others}`);
}

/** The encoder arguments for an output frame size. */
export function videoArgsFor(codec: Codec, width: number): string[] {
  const preset = CODEC_PRESETS[codec];
  return width % 2 !== 0 && preset.oddWidthArgs ? preset.oddWidthArgs : preset.videoArgs;
}

/** Muxer and its options: QuickTime-family files get a colr atom (older ffmpeg writes none by default). */
export function containerArgs(outputPath: string): string[] {
  switch (extname(outputPath).toLowerCase()) {
    case '.mp4':
      return ['-movflags', '+write_colr+faststart', '-f', 'mp4'];
    case '.mxf':
      return ['-f', 'mxf'];
    case '.mkv':
      return ['-f', 'matroska'];
    default:
      return ['-movflags', '+write_colr', '-f', 'mov'];
  }
}

/** Audio codec for a container: PCM where editors expect it, AAC in MP4. */
export function audioArgs(outputPath: string): string[] {
  switch (extname(outputPath).toLowerCase()) {
    case '.mp4':
      return ['-c:a', 'aac', '-b:a', '320k'];
    case '.mxf':
      // MXF (SMPTE 377) carries 48 kHz PCM only.
      return ['-c:a', 'pcm_s24le', '-ar', '48000'];
    case '.mkv':
      return ['-c:a', 'flac'];
    default:
      return ['-c:a', 'pcm_s24le'];
  }
}
