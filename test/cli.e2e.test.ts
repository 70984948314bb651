// The other commands, the LUT as the pipeline applies it, and the engine on each ffmpeg build.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareLut, applyLut } from '../companion/luts/interpolate.js';
import { resolveLut } from '../companion/luts/library.js';
import { CLI, decodeAll, makeClip, probeStreams, runCli, tempDir } from './support/media.js';

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await tempDir();
  clip = await makeClip(join(dir, 'clip.mp4'), { fps: '25', seconds: 1, size: '256x144', tagged: true });
});

describe('the graded picture', () => {
  it('is the source picture through the LUT kernel, every pixel, at the requested strength', async () => {
    const state = join(dir, 'state');
    const plain = join(dir, 'plain.mkv');
    const graded = join(dir, 'graded.mkv');
    expect((await runCli(['process', clip, '-o', plain, '--state-dir', state])).code).toBe(0);
    const res = await runCli(['process', clip, '-o', graded, '--lut', 'bleach-bypass', '--lut-strength', '0.7', '--state-dir', state]);
    expect(res.code).toBe(0);
    const { lut } = await resolveLut('bleach-bypass', state);
    const prepared = prepareLut(lut, 'tetrahedral');
    const source = await decodeAll(plain);
    const output = await decodeAll(graded);
    expect(output).toHaveLength(25);
    for (let k = 0; k < output.length; k += 6) {
      const expected = source[k]!.slice();
      applyLut(prepared, expected, expected, 0, expected.length / 3, 0.7);
      expect(output[k]).toEqual(expected);
    }
  });
});

describe('progress', () => {
  it('draws frame/total, fps and ETA on a terminal, and nothing of it with --json', async () => {
    const { execFileSync } = await import('node:child_process');
    const command = `"${process.execPath}" "${CLI}" process "${clip}" -o "${join(dir, 'tty.mov')}"`;
    // script(1) gives the CLI a pseudo-terminal, as an editor's shell would.
    const screen = execFileSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
    expect(screen).toMatch(/\rframe 25\/25 +[\d.]+ fps +ETA 0s/);
    const json = execFileSync('script', ['-qec', `${command.replace('tty.mov', 'tty2.mov')} --json`, '/dev/null'], { encoding: 'utf8' });
    expect(json).not.toMatch(/frame \d+\//);
    expect(JSON.parse(json.trim()).frames).toBe(25);
  });
});

describe('refinery luts list and doctor', () => {
  it('lists at least eight presets with name, category, size, file and description', async () => {
    const res = await runCli(['luts', 'list', '--json', '--state-dir', join(dir, 'state-list')]);
    expect(res.code).toBe(0);
    const entries = JSON.parse(res.stdout);
    expect(entries.length).toBeGreaterThanOrEqual(8);
    for (const e of entries) expect(Object.keys(e)).toEqual(expect.arrayContaining(['name', 'category', 'size', 'file', 'description']));
    expect(entries.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['teal-orange', 'bleach-bypass', 'monochrome']));
  });

  it('doctor names the ffmpeg it found and the encoders each codec needs', async () => {
    const res = await runCli(['doctor', '--json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.tools.ffmpeg.path).toMatch(/ffmpeg/);
    expect(report.encoders).toMatchObject({ prores_ks: true, dnxhd: true, libx264: true, ffv1: true });
    expect(report.ok).toBe(true);
    const text = await runCli(['doctor']);
    expect(text.stdout).toMatch(/--codec prores .* ok/);
  });

  it('doctor refuses a REFINERY_FFMPEG that is not a program', async () => {
    const res = await runCli(['doctor'], { REFINERY_FFMPEG: join(dir, 'nothing-here') });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/ffmpeg: MISSING - REFINERY_FFMPEG=.* is not an executable file/);
  });
});

describe('each ffmpeg build on this machine', () => {
  const require = createRequire(import.meta.url);
  const builds = [
    { name: 'the npm-shipped build', path: (require('@ffmpeg-installer/ffmpeg') as { path: string }).path },
    { name: 'the one on PATH', path: 'ffmpeg' },
  ];

  let dropFrameClip: string;
  beforeAll(async () => {
    dropFrameClip = await makeClip(join(dir, 'df.mov'), { fps: '30000/1001', seconds: 1, timecode: '00:59:59;28', tagged: true });
  });

  it.each(builds)('renders ProRes with audio and timecode through $name', async ({ path }) => {
    const which = path === 'ffmpeg' ? (await import('node:child_process')).execSync('command -v ffmpeg').toString().trim() : path;
    const out = join(dir, `build-${builds.findIndex((b) => b.path === path)}.mov`);
    const res = await runCli(['process', dropFrameClip, '-o', out, '--in', '0.1', '--lut', 'vivid', '--json'], { REFINERY_FFMPEG: which });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const probe = await probeStreams(out);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({ codec_name: 'prores', r_frame_rate: '30000/1001', nb_read_frames: '28' }); // 30 frames from frame 2
    // 0.1 s is inside frame 2 (0.0667..0.1001): 00:59:59;28 + 2 frames, drop-frame, crosses the hour.
    expect(video.tags?.timecode ?? probe.format.tags?.timecode).toBe('01:00:00;00');
    expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe(true);
  });
});
