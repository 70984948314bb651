import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from '../../test/support/media.js';
import { type MediaInfo, probe } from '../media/probe.js';
import { FrameDecoder } from './decode.js';
import { EarlyDecode, describedBy, standBy } from './early-decode.js';
import { frameAt, previewSize } from './preview-size.js';
import { resolveRange } from './range.js';

let dir: string;
const WIDTH = 160;

beforeAll(async () => {
  dir = await tempDir();
});

afterAll(async () => {
  standBy(false);
  await rm(dir, { recursive: true, force: true });
});

async function first(decoder: FrameDecoder): Promise<Uint16Array> {
  for await (const frame of decoder) return frame.data;
  throw new Error('nothing decoded');
}

/** The frame at `timeS` from an early start, or undefined where it was not taken; and from a plain seek. */
async function bothWays(path: string, timeS: number): Promise<{ early?: Uint16Array; plain: Uint16Array; media: MediaInfo }> {
  const started = EarlyDecode.start(path, timeS, WIDTH)!;
  const media = await probe(path);
  // Give ffmpeg time to describe the clip, so that its guess is what gets checked.
  await new Promise((r) => setTimeout(r, 400));
  const frame = frameAt(timeS, media.rate);
  const size = previewSize(media, WIDTH);
  const taken = started.take(media, frame, size);
  started.kill();
  const plain = await first(FrameDecoder.open(media, resolveRange(media, { inS: frame / (media.rate.num / media.rate.den) }), size, 1));
  return { early: taken && (await first(taken)), plain, media };
}

describe('describedBy', () => {
  it("reads size, pixel aspect, rate and colour from ffmpeg's stream line", () => {
    expect(describedBy('  Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 8355 kb/s, 24 fps, 24 tbr, 12288 tbn\n')).toEqual({
      width: 1920, height: 1080, sampleAspect: { num: 1, den: 1 }, rate: { num: 24, den: 1 }, startS: 0,
      colour: { primaries: null, transfer: null, matrix: null, range: null }, variableFrameRate: false,
    });
    const ntsc = describedBy('Input #0\n  Stream #0:0[0x1](und): Video: h264 (High), yuv420p(tv, smpte170m/smpte170m/bt709, progressive), 720x480 [SAR 32:27 DAR 16:9], 29.97 fps, 29.97 tbr, 30k tbn (default)\n');
    expect(ntsc).toMatchObject({ width: 720, height: 480, sampleAspect: { num: 32, den: 27 }, rate: { num: 30000, den: 1001 }, colour: { matrix: 'smpte170m', range: 'tv' } });
    expect(describedBy('  Stream #0:0: Video: prores (HQ), yuv422p10le(pc, bt709), 3840x2160, 12.50 tbr\n')).toMatchObject({ rate: { num: 25, den: 2 }, colour: { matrix: 'bt709', range: 'pc' } });
  });

  it('says nothing from a line that is not there yet, or lacks the size or rate', () => {
    expect(describedBy('Input #0, concat, from ')).toBeUndefined();
    expect(describedBy('  Stream #0:0: Video: h264, yuv420p, 1920x1080, 24 fps, 2')).toBeUndefined();
    expect(describedBy('  Stream #0:0: Audio: aac, 48000 Hz, stereo\n')).toBeUndefined();
  });
});

describe('an early decode', () => {
  it('gives exactly the frame a plain seek gives, deep in a long GOP, at the first frames and near the end', async () => {
    const clip = await makeClip(join(dir, "it's a long gop.mp4"), { seconds: 3, audio: true, args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '250', '-bf', '3'] });
    // (A tail short enough to be written out before the probe is in is dropped, not read.)
    for (const timeS of [2.23, 0, 0.03, 2.7]) {
      const { early, plain } = await bothWays(clip, timeS);
      expect(early, `at ${timeS} s`).toBeDefined();
      expect(Buffer.from(early!.buffer).equals(Buffer.from(plain.buffer)), `at ${timeS} s`).toBe(true);
    }
  });

  it('follows the probe on non-square pixels, colour tags and an NTSC rate', async () => {
    const clip = await makeClip(join(dir, 'ntsc.mp4'), {
      size: '720x480', fps: '30000/1001', audio: false,
      args: ['-vf', 'setsar=32/27', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '60', '-colorspace', 'smpte170m', '-color_range', 'tv'],
    });
    const { early, plain, media } = await bothWays(clip, 1.41);
    expect(previewSize(media, WIDTH)).toEqual({ width: 160, height: 90 });
    expect(Buffer.from(early!.buffer).equals(Buffer.from(plain.buffer))).toBe(true);
  });

  it('is dropped where its guess was wrong: a transport stream starts at 1.4 s, not 0', async () => {
    const clip = join(dir, 'clip.ts');
    await makeClip(clip, { audio: false, args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '25', '-f', 'mpegts'] });
    const { early, media } = await bothWays(clip, 1.0);
    expect(media.startS).toBeGreaterThan(1);
    expect(early).toBeUndefined();
  });

  it('is not started for a name with a line break', () => {
    expect(EarlyDecode.start(join(dir, 'two\nlines.mp4'), 1, WIDTH)).toBeUndefined();
  });

  it('serves only the frame, file and size it was started for', async () => {
    const clip = await makeClip(join(dir, 'other.mp4'), { audio: false });
    const media = await probe(clip);
    const size = previewSize(media, WIDTH);
    for (const [frame, wanted] of [[30, size], [25, { width: 96, height: 54 }]] as const) {
      const started = EarlyDecode.start(clip, 1.0, WIDTH)!;
      expect(started.take(media, frame, wanted)).toBeUndefined();
      started.kill();
    }
  });

  it('runs on the ffmpeg standing by, which stops with the standby', async () => {
    // This process's ffmpeg children, from /proc: "pid (comm) state ppid ...".
    const ffmpegChildren = () =>
      readdirSync('/proc').filter((pid) => {
        const stat = /^\d+$/.test(pid) ? (() => { try { return readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return ''; } })() : '';
        return / \(ffmpeg\) \S+ (\d+) /.exec(stat)?.[1] === String(process.pid);
      }).length;
    // Earlier tests' killed children go first.
    for (let i = 0; i < 40 && ffmpegChildren() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    standBy(true);
    expect(ffmpegChildren()).toBe(1);
    const clip = await makeClip(join(dir, 'standby.mp4'), { audio: false });
    const { early, plain } = await bothWays(clip, 1.0);
    expect(Buffer.from(early!.buffer).equals(Buffer.from(plain.buffer))).toBe(true);
    standBy(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(ffmpegChildren()).toBe(0);
  });
});
