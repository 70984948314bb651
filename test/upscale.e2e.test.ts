// `refinery process --upscale` through the real CLI, on small generated clips.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAll, makeClip, meanAbsDiff, probeStreams, runCli, tempDir } from './support/media.js';

let dir: string;
let state: string;
let clip: string; // 64x36, 23.976 fps, 12 frames, audio, timecode 01:00:00:00

beforeAll(async () => {
  dir = await tempDir('refinery-upscale-');
  state = join(dir, 'state');
  clip = await makeClip(join(dir, 'clip.mov'), { fps: '24000/1001', seconds: 12 / (24000 / 1001), size: '64x36', timecode: '01:00:00:00', tagged: true });
});

/** 2x2 box average of an rgb48 frame. */
function halve(frame: Uint16Array, width: number, height: number): Uint16Array {
  const out = new Uint16Array((width / 2) * (height / 2) * 3);
  for (let y = 0; y < height / 2; y++)
    for (let x = 0; x < width / 2; x++)
      for (let c = 0; c < 3; c++) {
        const at = (dx: number, dy: number) => frame[((2 * y + dy) * width + 2 * x + dx) * 3 + c]!;
        out[(y * (width / 2) + x) * 3 + c] = Math.round((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4);
      }
  return out;
}

describe('refinery process --upscale', () => {
  it('doubles the frame size exactly, keeping frame count, rate, audio and timecode', async () => {
    const out = join(dir, 'out.mov');
    const res = await runCli(['process', clip, '-o', out, '--upscale', '2', '--json', '--state-dir', state]);
    // The job says which network ran, where it came from and on which provider.
    expect(res.stderr).toMatch(/^refinery: warning: upscale: x2 with [\w.-]+ \(.+\) on (cpu|cuda|dml|coreml|webgpu)/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout.trim());
    expect([result.width, result.height, result.frames, result.fps]).toEqual([128, 72, 12, '24000/1001']);
    expect(result.steps).toEqual([{ op: 'upscale', scale: 2 }]);

    const probe = await probeStreams(out);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    const audio = probe.streams.find((s) => s.codec_type === 'audio')!;
    expect([video.width, video.height, video.r_frame_rate, Number(video.nb_read_frames)]).toEqual([128, 72, '24000/1001', 12]);
    expect(video.tags?.timecode ?? probe.format.tags?.timecode).toBe('01:00:00:00');
    expect(Number(audio.duration)).toBeCloseTo((12 * 1001) / 24000, 2);

    // The picture is the source's, larger: averaged back down 2x2 it is close to the source.
    const [source, upscaled] = [await decodeAll(clip), await decodeAll(out)];
    expect(upscaled).toHaveLength(12);
    expect(meanAbsDiff(halve(upscaled[6]!, 128, 72), source[6]!) / 65535).toBeLessThan(0.03);
  });

  it('upscales by 4 with a chosen model family', async () => {
    const out = join(dir, 'out4.mkv');
    const res = await runCli(['process', clip, '-o', out, '--upscale', '4', '--model', 'esrgan-medium', '--in', '0', '--out', '0.2', '--json', '--state-dir', state]);
    expect(res.stderr).toMatch(/^refinery: warning: upscale: x4 with esrgan-medium-x4 \(npm:@upscalerjs\/esrgan-medium@1\.0\.0\) on \w+/);
    const result = JSON.parse(res.stdout.trim());
    expect([result.width, result.height]).toEqual([256, 144]);
    expect(result.steps).toEqual([{ op: 'upscale', scale: 4, model: 'esrgan-medium' }]);
  });

  it('refuses a bad scale, an unknown model and --model without --upscale in one line, writing nothing', async () => {
    const before = await readdir(dir);
    const cases: [string[], RegExp][] = [
      [['--upscale', '3'], /^refinery: .*--upscale must be 2 or 4, got "3"\n$/],
      [['--upscale', '2', '--model', 'esrgan-huge'], /^refinery: unknown model "esrgan-huge" for upscale-x2; available: .*esrgan-slim-x2.*\n$/],
      [['--model', 'esrgan-slim-x2'], /^refinery: --model chooses the upscale model: add --upscale 2 or --upscale 4\n$/],
    ];
    for (const [flags, message] of cases) {
      const res = await runCli(['process', clip, '-o', join(dir, 'bad.mov'), ...flags, '--state-dir', state]);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(message);
    }
    expect((await readdir(dir)).sort()).toEqual(before.sort());
  });
});
