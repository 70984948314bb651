// The real CLI on clips generated with ffmpeg: what an editor checks after a render.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAll, decodeAlpha, makeClip, meanAbsDiff, probeStreams, runCli, sha256, tempDir } from './support/media.js';

let dir: string;
let clip2398: string; // 23.976 fps, audio, timecode 01:00:00:00, 48 frames
let clip25: string; // 25 fps, no audio, no timecode, 50 frames

beforeAll(async () => {
  dir = await tempDir();
  clip2398 = await makeClip(join(dir, 'ai-clip-2398.mov'), { fps: '24000/1001', seconds: 2.002, timecode: '01:00:00:00', tagged: true });
  clip25 = await makeClip(join(dir, 'ai-clip-25.mp4'), { fps: '25', seconds: 2, audio: false });
});

function parseResult(stdout: string) {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

describe('refinery process', () => {
  it('renders a range with handles to ProRes 422 HQ with audio, timecode and colour tags in place', async () => {
    const before = await sha256(clip2398);
    const out = join(dir, 'range.mov');
    const res = await runCli(['process', clip2398, '-o', out, '--in', '0.5', '--out', '1.5', '--handles', '4', '--lut', 'teal-orange', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const result = parseResult(res.stdout);
    // 0.5 s falls in frame 11 (11.988), 1.5 s is the end of frame 35 (35.964 → frames start before it: 0..35).
    expect(result.range.inS).toBeCloseTo((11 * 1001) / 24000, 9);
    expect(result.range.outS).toBeCloseTo((36 * 1001) / 24000, 9);
    expect(result.handles).toEqual({ head: 4, tail: 4 });
    expect(result.frames).toBe(36 - 11 + 8);
    expect(result.fps).toBe('24000/1001');
    expect([result.width, result.height]).toEqual([320, 180]);
    expect(result.output).toBe(out);
    expect(result.steps).toEqual([{ op: 'lut', path: 'teal-orange', strength: 1, interpolation: 'tetrahedral' }]);

    const probe = await probeStreams(out);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    const audio = probe.streams.find((s) => s.codec_type === 'audio')!;
    expect(video.codec_name).toBe('prores');
    expect(video.profile).toBe('HQ');
    expect(video.pix_fmt).toBe('yuv422p10le');
    expect(video.r_frame_rate).toBe('24000/1001');
    expect(Number(video.nb_read_frames)).toBe(33);
    // ProRes in QuickTime signals no range (it is always video range); the tags that exist are kept.
    expect([video.color_primaries, video.color_transfer, video.color_space]).toEqual(['bt709', 'bt709', 'bt709']);
    // First output frame is source frame 7: 01:00:00:07.
    expect(video.tags?.timecode ?? probe.format.tags?.timecode).toBe('01:00:00:07');
    expect(audio.codec_name).toBe('pcm_s24le');
    expect(Number(audio.duration)).toBeCloseTo((33 * 1001) / 24000, 2);

    const sidecar = JSON.parse(await readFile(`${out}.refinery.json`, 'utf8'));
    expect(sidecar.source).toMatchObject({ path: clip2398, sha256: before, sizeBytes: (await stat(clip2398)).size });
    expect(sidecar.range).toMatchObject({ inFrame: 11, outFrame: 36 });
    expect(sidecar.handles).toEqual({ head: 4, tail: 4 });
    expect(sidecar.recipe).toEqual({ steps: result.steps, codec: 'prores' });
    expect(sidecar.output.sha256).toBe(await sha256(out));
    expect(sidecar.tool.name).toBe('refinery');
    expect(await sha256(clip2398)).toBe(before);
    expect((await readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('puts exactly the selected source frames in the output, in order (lossless FFV1)', async () => {
    const out = join(dir, 'exact.mkv');
    const res = await runCli(['process', clip2398, '-o', out, '--in', '1.0', '--out', '1.4', '--handles', '2', '--json']);
    expect(res.code).toBe(0);
    expect(parseResult(res.stdout).frames).toBe(15);
    const source = await decodeAll(clip2398);
    const output = await decodeAll(out);
    expect(output).toHaveLength(15);
    // 1.0 s is inside frame 23, 1.4 s inside frame 33 (1.376..1.418); two handles → source frames 21..35.
    for (let k = 0; k < output.length; k++) {
      const right = meanAbsDiff(output[k]!, source[21 + k]!);
      expect(right).toBe(0);
      expect(meanAbsDiff(output[k]!, source[20 + k]!)).toBeGreaterThan(right + 50);
    }
  });

  it('writes H.264 to .mp4 without audio when the source has none, tagging untagged colour as BT.709', async () => {
    const out = join(dir, 'noaudio.mp4');
    const res = await runCli(['process', clip25, '-o', out, '--json']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/warning: source has no colour .* tagged BT\.709/);
    const result = parseResult(res.stdout);
    expect(result).toMatchObject({ frames: 50, fps: '25/1', handles: { head: 0, tail: 0 }, range: { inS: 0, outS: 2 } });
    const probe = await probeStreams(out);
    expect(probe.streams.filter((s) => s.codec_type === 'audio')).toEqual([]);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', color_space: 'bt709', color_range: 'tv', nb_read_frames: '50' });
    expect(probe.streams[0]!.tags?.timecode ?? probe.format.tags?.timecode).toBe('00:00:00:00');
  });

  it('writes DNxHR HQX to MXF with 48 kHz PCM audio', async () => {
    const out = join(dir, 'dnx.mxf');
    const res = await runCli(['process', clip2398, '-o', out, '--in', '1', '--json']);
    expect(res.code).toBe(0);
    const probe = await probeStreams(out);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    const audio = probe.streams.find((s) => s.codec_type === 'audio')!;
    expect(video).toMatchObject({ codec_name: 'dnxhd', pix_fmt: 'yuv422p10le', nb_read_frames: '25' });
    expect(audio).toMatchObject({ codec_name: 'pcm_s24le', sample_rate: '48000' });
    expect(probe.format.tags?.timecode).toBe('01:00:00:23');
  });

  it('keeps an odd frame size (853x480 is a common one): ProRes at the source size, H.264 (and DNxHR, under 256x120) refused before anything is written', async () => {
    const odd = await makeClip(join(dir, 'odd.mp4'), {
      seconds: 0.4, audio: false,
      args: ['-vf', 'scale=213:119', '-c:v', 'libx264', '-pix_fmt', 'yuv444p'],
    });
    const out = join(dir, 'odd.mov');
    const res = await runCli(['process', odd, '-o', out, '--json']);
    expect(res.code).toBe(0);
    expect(parseResult(res.stdout)).toMatchObject({ width: 213, height: 119, frames: 10 });
    expect((await probeStreams(out)).streams[0]).toMatchObject({ codec_name: 'prores', width: 213, height: 119, nb_read_frames: '10' });
    const before = await readdir(dir);
    const refused = await runCli(['process', odd, '-o', join(dir, 'odd-out.mp4')]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/h264 needs an even width and height .* 213x119: use codec prores, ffv1/);
    // DNxHR's encoder takes nothing under 256x120.
    const small = await runCli(['process', odd, '-o', join(dir, 'odd-out.mxf')]);
    expect(small.code).not.toBe(0);
    expect(small.stderr.trim().split('\n')).toHaveLength(1);
    expect(small.stderr).toMatch(/dnxhr needs at least 256x120, and the output would be 213x119: use codec prores, ffv1/);
    expect((await readdir(dir)).sort()).toEqual(before.sort());
    // Upscaled by 2 the size is even again, and H.264 takes it.
    const up = await runCli(['process', odd, '-o', join(dir, 'odd-up.mp4'), '--upscale', '2', '--json']);
    expect(up.code).toBe(0);
    expect(parseResult(up.stdout)).toMatchObject({ width: 426, height: 238 });
  });

  it('keeps non-square pixels, so the clip is not stretched on the timeline, upscaled or not', async () => {
    const anamorphic = await makeClip(join(dir, 'anamorphic.mp4'), {
      seconds: 0.2, audio: false, size: '180x120',
      args: ['-vf', 'setsar=32/27', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
    });
    for (const [name, args, size] of [['sar.mov', [], [180, 120]], ['sar-up.mp4', ['--upscale', '2'], [360, 240]]] as const) {
      const res = await runCli(['process', anamorphic, '-o', join(dir, name), ...args]);
      expect(res.code).toBe(0);
      expect((await probeStreams(join(dir, name))).streams[0]).toMatchObject({ width: size[0], height: size[1], sample_aspect_ratio: '32:27' });
    }
  });

  it('keeps the alpha channel (ProRes 4444, FFV1) frame for frame and scaled with the picture; H.264 says it drops it', async () => {
    // A matte that moves: a disc whose centre follows sin(n/4), so each frame's alpha is its own.
    const matte = "color=c=white:s=96x54:r=24:d=1,format=gray,geq=lum='if(lt(hypot(X-48-10*sin(N/4),Y-27),20),255,0)'";
    const keyed = await makeClip(join(dir, 'keyed.mov'), {
      fps: '24', seconds: 1, size: '96x54', audio: false,
      args: ['-f', 'lavfi', '-i', matte, '-filter_complex', '[0]format=yuva444p10le[c];[1]format=gray10le[a];[c][a]alphamerge', '-c:v', 'prores_ks', '-profile:v', '4444', '-pix_fmt', 'yuva444p10le'],
    });
    const source = await decodeAlpha(keyed);
    const closest = (a: Uint8Array) => source.map((s) => s.reduce((e, v, i) => e + Math.abs(v - a[i]!), 0) / s.length).reduce((best, e, j, all) => (e < all[best]! ? j : best), 0);
    for (const [name, args, pixFmt, size] of [
      ['keyed-up.mov', ['--upscale', '2'], 'yuva444p12le', '192x108'],
      ['keyed.mkv', [], 'gbrap16le', '96x54'],
    ] as const) {
      const out = join(dir, name);
      const res = await runCli(['process', keyed, '-o', out, '--in', '0.25', '--out', '0.75', '--lut', 'teal-orange', ...args, '--json']);
      expect(res.code).toBe(0);
      expect(res.stderr).not.toMatch(/alpha/);
      expect((await probeStreams(out)).streams[0]).toMatchObject({ pix_fmt: pixFmt, width: Number(size.split('x')[0]), nb_read_frames: '12' });
      // Frames 6..17 of the source, each matte with its own picture.
      const alpha = await decodeAlpha(out, '96x54');
      expect(alpha.map(closest)).toEqual(Array.from({ length: 12 }, (_, k) => 6 + k));
      for (const [k, a] of alpha.entries()) expect(a.reduce((e, v, i) => e + Math.abs(v - source[6 + k]![i]!), 0) / a.length).toBeLessThan(2);
    }
    const flat = await runCli(['process', keyed, '-o', join(dir, 'keyed.mp4')]);
    expect(flat.code).toBe(0);
    expect(flat.stderr).toMatch(/alpha channel is dropped: h264 has none/);
  });

  it('conforms a variable-frame-rate source to constant rate and says so', async () => {
    const vfr = join(dir, 'vfr.mp4');
    // 30 fps for the first second, then 15 fps: timestamps no longer evenly spaced.
    await makeClip(vfr, {
      fps: '30', seconds: 2, audio: false,
      args: ['-vf', "select='lt(n,30)+not(mod(n,2))',setpts=N/TB", '-fps_mode', 'vfr', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
    }).catch(() => makeClip(vfr, {
      fps: '30', seconds: 2, audio: false,
      args: ['-vf', "select='lt(n,30)+not(mod(n,2))'", '-vsync', 'vfr', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
    }));
    const out = join(dir, 'vfr-out.mov');
    const res = await runCli(['process', vfr, '-o', out, '--json']);
    expect(res.code).toBe(0);
    const result = parseResult(res.stdout);
    expect(res.stderr).toMatch(/variable frame rate/);
    const probe = await probeStreams(out);
    expect(Number(probe.streams[0]!.nb_read_frames)).toBe(result.frames);
    expect(probe.streams[0]!.r_frame_rate).toBe(result.fps);
  });
});

describe('refinery process refuses bad input with one line and leaves nothing behind', () => {
  async function expectRefused(args: string[], pattern: RegExp, outDir = dir) {
    const before = await readdir(outDir);
    const res = await runCli(args);
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(pattern);
    expect((await readdir(outDir)).sort()).toEqual(before.sort());
  }

  it('missing input', () => expectRefused(['process', join(dir, 'nope.mov'), '-o', join(dir, 'x.mov')], /input not found/));

  it('a file that is not a video', async () => {
    const text = join(dir, 'notes.mov');
    await writeFile(text, 'this is not a movie\n');
    await expectRefused(['process', text, '-o', join(dir, 'x.mov')], /not a video file/);
  });

  it('a malformed LUT, naming its line', async () => {
    const lut = join(dir, 'broken.cube');
    await writeFile(lut, 'TITLE "broken"\nLUT_3D_SIZE 2\n0 0 0\n1 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n');
    await expectRefused(['process', clip25, '-o', join(dir, 'x.mov'), '--lut', lut], /broken\.cube:4:/);
  });

  it('an unknown LUT preset', () => expectRefused(['process', clip25, '-o', join(dir, 'x.mov'), '--lut', 'no-such-look'], /LUT not found/));

  it('--in/--out outside the clip, or out before in', async () => {
    await expectRefused(['process', clip25, '-o', join(dir, 'x.mov'), '--in', '3'], /--in 3 is outside the clip/);
    await expectRefused(['process', clip25, '-o', join(dir, 'x.mov'), '--out', '9'], /--out 9 is outside the clip/);
    await expectRefused(['process', clip25, '-o', join(dir, 'x.mov'), '--in', '1', '--out', '0.5'], /must be after/);
    await expectRefused(['process', clip25, '-o', join(dir, 'x.mov'), '--in', 'soon'], /--in must be a number/);
  });

  it('an unknown codec, or one the container cannot hold', async () => {
    await expectRefused(['process', clip25, '-o', join(dir, 'x.mov'), '--codec', 'cinepak'], /unknown codec "cinepak"/);
    await expectRefused(['process', clip25, '-o', join(dir, 'x.mp4'), '--codec', 'prores'], /prores cannot be written to a \.mp4/);
  });

  it('output equal to the input', () => expectRefused(['process', clip25, '-o', clip25], /is the input file/));

  it('an output folder that does not exist or cannot be written', async () => {
    await expectRefused(['process', clip25, '-o', join(dir, 'missing', 'x.mov')], /output folder .* does not exist/);
    // /proc refuses new files even to root, where permission bits would not.
    const res = await runCli(['process', clip25, '-o', '/proc/refined.mov']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/output folder \/proc is not writable/);
  });
});
