// The whole trip an editor takes, with a real render from the engine: select a clip, render
// its range with handles through `refinery process`, place the file, check that every
// sequence frame shows the same source frame as before, then revert to the exact original.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HostAdapter } from '../../src/host/adapter.js';
import { createCepAdapter } from '../../src/host/cep.js';
import type { Clip, PlaceMode } from '../../src/host/contract.js';
import { makeClip, probeStreams, runCli, tempDir } from '../support/media.js';
import { AfterEffectsHost, FootageItem, layers } from '../host-sim/aftereffects.js';
import { MediaLibrary } from '../host-sim/media.js';
import { PremiereProject } from '../host-sim/premiere-model.js';
import { timeline } from './premiere-fixture.js';
import { PREMIERE_SIDES } from './premiere-sides.js';
import { data } from './results.js';

const RATE: [number, number] = [24000, 1001];

let dir: string;
let source: string;
let renders = 0;

beforeAll(async () => {
  dir = await tempDir('refinery-roundtrip-');
  // 96 frames at 23.976 with audio, like a generated shot.
  source = await makeClip(join(dir, 'ai-shot.mov'), { fps: '24000/1001', seconds: 4.004, tagged: true });
});

/** Renders a selected clip the way the panel will, and tells the simulated host about the file. */
async function render(clip: Clip, media: MediaLibrary, lineage: Map<string, { source: string; firstFrame: number }>) {
  const out = join(dir, `refined-${++renders}.mov`);
  const res = await runCli(['process', clip.mediaPath, '-o', out, '--in', String(clip.inS), '--out', String(clip.outS), '--handles', '8', '--lut', 'teal-orange', '--json']);
  expect(res.code, res.stderr).toBe(0);
  const result = JSON.parse(res.stdout.trim()) as { frames: number; fps: string; handles: { head: number; tail: number } };
  const video = (await probeStreams(out)).streams.find((s) => s.codec_type === 'video')!;
  expect(Number(video.nb_read_frames)).toBe(result.frames);
  const [num, den] = result.fps.split('/').map(Number) as [number, number];
  media.add(out, { frames: result.frames, rate: [num, den ?? 1], hasAudio: true });
  const sidecar = JSON.parse(await readFile(`${out}.refinery.json`, 'utf8')) as { range: { inFrame: number; outFrame: number }; handles: { head: number } };
  lineage.set(out, { source: clip.mediaPath, firstFrame: sidecar.range.inFrame - sidecar.handles.head });
  return { out, result, sidecar };
}

describe.each(PREMIERE_SIDES)('Premiere round trip through $name', (side) => {
  it.each(['replace', 'stack', 'relink'] as PlaceMode[])('%s with a real refined file keeps every frame in place, and revert restores the sequence', async (mode) => {
    const media = new MediaLibrary();
    const lineage = new Map<string, { source: string; firstFrame: number }>();
    media.add(source, { frames: 96, rate: RATE, hasAudio: true });
    const project = new PremiereProject(media);
    const seq = project.addSequence('Edit', RATE, 2, 2);
    const item = project.addClipItem(source);
    const clip = project.addClip(seq, item, { track: 0, startFrame: 12, inFrame: 20, frames: 36, audio: true });
    project.addClip(seq, item, { track: 0, startFrame: 60, inFrame: 30, frames: 10 });
    const pictures = (p: PremiereProject) => {
      const s = p.sequences[0]!;
      return Array.from({ length: 80 }, (_, f) => {
        const pic = p.pictureAt(s, f * s.ticksPerFrame);
        if (!pic) return '';
        const frame = Math.floor(pic.mediaTime / s.ticksPerFrame);
        const from = lineage.get(pic.path);
        return from ? `${from.source}#${from.firstFrame + frame}` : `${pic.path}#${frame}`;
      });
    };
    const before = { pictures: pictures(project), timeline: timeline(project) };
    for (const c of [clip, ...project.linked(clip)]) c.selected = true;

    const host = side.open(project);
    const adapter: HostAdapter = host.adapter;
    const [selected] = data(await adapter.getSelection()).clips;
    // Seconds from ticks land the engine on the clip's own frames.
    const { out, result, sidecar } = await render(selected!, media, lineage);
    expect(sidecar.range).toMatchObject({ inFrame: 20, outFrame: 56 });
    expect(result.handles).toEqual({ head: 8, tail: 8 });

    // relink changes every use of the item: the second use (source frames 30..40) lies inside the render.
    data(await adapter.placeRefined({ id: selected!.id, mediaPath: out, mode, handles: result.handles }));
    expect(pictures(host.project())).toEqual(before.pictures);
    expect(host.project().sequences[0]!.video.flatMap((t) => t.clips).some((c) => c.item.path === out)).toBe(true);

    host.reopen();
    const onRefined = host.project().sequences[0]!.video.flatMap((t) => t.clips).find((c) => c.item.path === out && c.start === clip.start)!;
    onRefined.selected = true;
    const [again] = data(await adapter.getSelection()).clips;
    expect(data(await adapter.revert({ id: again!.id }))).toEqual({ mode });
    expect(timeline(host.project())).toEqual(before.timeline);
    expect(pictures(host.project())).toEqual(before.pictures);
  });
});

describe('After Effects round trip through CEP', () => {
  it.each(['replace', 'stack', 'relink'] as PlaceMode[])('%s with a real refined file keeps every frame in place, and revert restores the comp', async (mode) => {
    const media = new MediaLibrary();
    const lineage = new Map<string, { source: string; firstFrame: number }>();
    media.add(source, { frames: 96, rate: RATE, hasAudio: true });
    const host = new AfterEffectsHost(media);
    const comp = host.addComp('Edit', RATE, 10);
    const layer = host.addLayer(comp, host.addFootage(source), { startFrame: 12 - 20, inFrame: 20, frames: 36 });
    const snapshot = () =>
      layers(host.comps()[0]!).map((l) => `${(l.source as FootageItem).file!.fsName} ${l.startTime.toFixed(9)} ${l.inPoint.toFixed(9)} ${l.outPoint.toFixed(9)}`);
    const pictures = () => {
      const c = host.comps()[0]!;
      return Array.from({ length: 70 }, (_, f) => {
        const t = (f + 0.5) * c.frameDuration;
        const l = layers(c).find((x) => x.inPoint <= t && t < x.outPoint);
        if (!l) return '';
        const path = (l.source as FootageItem).file!.fsName;
        const frame = Math.floor((t - l.startTime) / c.frameDuration);
        const from = lineage.get(path);
        return from ? `${from.source}#${from.firstFrame + frame}` : `${path}#${frame}`;
      });
    };
    const before = { pictures: pictures(), layers: snapshot() };
    layer.selected = true;
    const adapter = createCepAdapter(host.evalScript);
    const [selected] = data(await adapter.getSelection()).clips;
    const { out, result, sidecar } = await render(selected!, media, lineage);
    expect(sidecar.range).toMatchObject({ inFrame: 20, outFrame: 56 });

    const placed = data(await adapter.placeRefined({ id: selected!.id, mediaPath: out, mode, handles: result.handles }));
    expect(pictures()).toEqual(before.pictures);
    host.saveAndReopen();
    expect(data(await adapter.revert({ id: placed.id }))).toEqual({ mode });
    expect(snapshot()).toEqual(before.layers);
    expect(pictures()).toEqual(before.pictures);
  });
});
