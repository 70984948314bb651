// What a source file is: picture size, exact rate, frame count, colour, timecode, audio.
import { stat } from 'node:fs/promises';
import { cachedByFile } from '../file-cache.js';
import { resolveTool } from './ffmpeg.js';
import { type Rational, formatRational, parseRational, snapRate, toNumber } from './rational.js';
import { lastErrorLine, runTool } from './run.js';

export interface ColourInfo {
  primaries: string | null;
  transfer: string | null;
  matrix: string | null;
  range: 'tv' | 'pc' | null;
}

export interface AudioStream {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  channelLayout: string | null;
}

export interface MediaInfo {
  path: string;
  sizeBytes: number;
  container: string;
  codec: string;
  /** Displayed size, after rotation. */
  width: number;
  height: number;
  /** Pixel aspect ratio (1/1 square; 32/27 for 16:9 shown from 720x480), after rotation. */
  sampleAspect: Rational;
  fps: string;
  rate: Rational;
  frames: number;
  durationS: number;
  /** Where the file's timeline starts (ffmpeg's seeks count from here): 0, or 1.4 in MPEG-TS. */
  startS: number;
  pixelFormat: string;
  bitDepth: number;
  colour: ColourInfo;
  rotation: number;
  timecode: string | null;
  audio: AudioStream[];
  /** Variable frame rate: decoded frames are conformed to `rate`. */
  variableFrameRate: boolean;
  warnings: string[];
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  color_primaries?: string;
  color_transfer?: string;
  color_space?: string;
  color_range?: string;
  sample_rate?: string;
  sample_aspect_ratio?: string;
  channels?: number;
  channel_layout?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; start_time?: string; tags?: Record<string, string> };
}

export class MediaError extends Error {}

// Containers that hold a single picture or an image sequence pattern, not a clip. A GIF is
// a clip when it is animated (hosts import those as clips), a still otherwise.
const STILL_FORMATS = /(^|,)(image2|png_pipe|jpeg_pipe|bmp_pipe|tiff_pipe|webp_pipe)(,|$)/;
const GIF = /(^|,)gif(,|$)/;

function known(value: string | undefined): string | null {
  return value && value !== 'unknown' && value !== 'unspecified' ? value : null;
}

/** Tag lookup ignoring case: Matroska writes TIMECODE, QuickTime timecode. */
function tag(tags: Record<string, string> | undefined, name: string): string | null {
  const key = tags && Object.keys(tags).find((k) => k.toLowerCase() === name);
  return key ? tags[key]! : null;
}

function bitDepthOf(pixelFormat: string, rawBits: string | undefined): number {
  const fromRaw = Number(rawBits);
  if (fromRaw > 0) return fromRaw;
  const match = /p(\d+)(le|be)?$/.exec(pixelFormat) ?? /(\d+)(le|be)$/.exec(pixelFormat);
  if (match && Number(match[1]) >= 9) return Number(match[1]);
  return pixelFormat.includes('48') || pixelFormat.includes('64') ? 16 : 8;
}

/** Pixel formats with an alpha plane (yuva444p12le from ProRes 4444, rgba, gbrap16le, ya16...). */
export function hasAlpha(pixelFormat: string): boolean {
  return /^(yuva|gbra|rgba|bgra|argb|abgr|ya\d)/.test(pixelFormat);
}

/** ffprobe writes "32:27", or "0:1" / "N/A" where it is unknown, which means square pixels. */
function sampleAspectOf(text: string | undefined, swap: boolean): Rational {
  const sar = parseRational((text ?? '').replace(':', '/')) ?? { num: 1, den: 1 };
  return swap ? { num: sar.den, den: sar.num } : sar;
}

function rotationOf(stream: FfprobeStream): number {
  const side = stream.side_data_list?.find((s) => typeof s.rotation === 'number');
  const raw = side?.rotation ?? Number(stream.tags?.rotate ?? 0);
  return (((Math.round(raw) % 360) + 360) % 360) as number;
}

async function countFrames(ffprobe: string, path: string): Promise<number> {
  const res = await runTool(ffprobe, [
    '-v', 'error', '-select_streams', 'v:0', '-count_packets',
    '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', path,
  ]);
  return Number.parseInt(res.stdout.trim(), 10) || 0;
}

export async function probe(path: string): Promise<MediaInfo> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new MediaError(`input not found: ${path}`);
  if (!info.isFile()) throw new MediaError(`input is not a regular file: ${path}`);
  const ffprobe = resolveTool('ffprobe').path;
  const res = await runTool(ffprobe, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', path]);
  if (res.code !== 0) throw new MediaError(`not a video file: ${path} (${lastErrorLine(res.stderr)})`);
  const parsed = JSON.parse(res.stdout) as FfprobeOutput;
  const streams = parsed.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const container = parsed.format?.format_name ?? 'unknown';
  if (!video || !video.width || !video.height || STILL_FORMATS.test(container)) {
    throw new MediaError(`not a video file: ${path} (no video stream)`);
  }
  const warnings: string[] = [];
  const real = parseRational(video.r_frame_rate ?? '');
  const average = parseRational(video.avg_frame_rate ?? '');
  const declared = real ?? average;
  if (!declared) throw new MediaError(`not a video file: ${path} (no frame rate)`);
  // ffprobe's r_frame_rate is the lowest rate that represents every timestamp; when the
  // average differs, frames are not evenly spaced.
  const variableFrameRate = !!real && !!average && Math.abs(toNumber(real) - toNumber(average)) / toNumber(average) > 0.001;
  // A variable rate's average is an estimate, so it snaps from further off (0.5%): phone
  // clips average 29.8-29.9 fps, and GIF delays in 1/100 s make 24 fps average 23.92.
  const rate = variableFrameRate ? snapRate(average!, 0.005) : declared;
  const durationS = Number(video.duration ?? parsed.format?.duration ?? 0);
  let frames = Number.parseInt(video.nb_frames ?? '', 10) || 0;
  if (variableFrameRate) {
    frames = Math.round(durationS * toNumber(rate));
    warnings.push(
      `variable frame rate (average ${video.avg_frame_rate}); conformed to constant ${formatRational(rate)} fps`,
    );
  } else if (!frames) {
    frames = await countFrames(ffprobe, path);
  }
  if (frames < 1) throw new MediaError(`not a video file: ${path} (no frames)`);
  if (frames < 2 && GIF.test(container)) throw new MediaError(`not a video file: ${path} (a still GIF)`);
  const rotation = rotationOf(video);
  const swap = rotation === 90 || rotation === 270;
  const pixelFormat = video.pix_fmt ?? 'unknown';
  const range = known(video.color_range);
  const timecode =
    tag(video.tags, 'timecode') ??
    tag(parsed.format?.tags, 'timecode') ??
    streams.map((s) => (s.codec_type === 'data' ? tag(s.tags, 'timecode') : null)).find(Boolean) ??
    null;
  return {
    path,
    sizeBytes: info.size,
    container,
    codec: video.codec_name ?? 'unknown',
    width: swap ? video.height : video.width,
    height: swap ? video.width : video.height,
    sampleAspect: sampleAspectOf(video.sample_aspect_ratio, swap),
    fps: formatRational(rate),
    rate,
    frames,
    durationS: durationS || frames / toNumber(rate),
    startS: Number(parsed.format?.start_time) || 0,
    pixelFormat,
    bitDepth: bitDepthOf(pixelFormat, video.bits_per_raw_sample),
    colour: {
      primaries: known(video.color_primaries),
      transfer: known(video.color_transfer),
      matrix: known(video.color_space),
      range: range === 'pc' || range === 'tv' ? range : null,
    },
    rotation,
    timecode,
    audio: streams
      .filter((s) => s.codec_type === 'audio')
      .map((s) => ({
        index: s.index,
        codec: s.codec_name ?? 'unknown',
        sampleRate: Number(s.sample_rate ?? 0),
        channels: s.channels ?? 0,
        channelLayout: s.channel_layout ?? null,
      })),
    variableFrameRate,
    warnings,
  };
}

/**
 * `probe`, kept while the file's size and mtime stay the same: previews ask about the same
 * clip again and again, and a job of a clip just previewed needs no second ffprobe run.
 */
export const probeCached = cachedByFile(probe, 32);
