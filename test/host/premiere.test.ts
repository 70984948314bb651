// The Premiere host operations, the same matrix through ExtendScript (CEP) and UXP: what an
// editor sees on the timeline after getSelection, placeRefined and revert.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostAdapter } from '../../src/host/adapter.js';
import { type Clip, type PlaceMode, TICKS_PER_SECOND } from '../../src/host/contract.js';
import type { TrackItem } from '../host-sim/premiere-model.js';
import { type OpenHost, PremiereFixture, timeline } from './premiere-fixture.js';
import { PREMIERE_SIDES } from './premiere-sides.js';
import { RATES, data, errorCode } from './results.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function setup(rate: [number, number] = [24000, 1001]) {
  const f = await PremiereFixture.create(rate);
  dirs.push(f.dir);
  return f;
}

/** The id the host gives a model clip: select it (alone) and ask for the selection. */
async function idOf(host: OpenHost, pick: (clips: TrackItem[]) => TrackItem): Promise<string> {
  const project = host.project();
  const all = project.sequences.flatMap((s) => s.tracks().flatMap((t) => t.clips));
  for (const c of all) c.selected = false;
  const clip = pick(all.filter((c) => c.kind === 'video'));
  clip.selected = true;
  const { clips } = data(await host.adapter.getSelection());
  return clips[0]!.id;
}

const onPath = (path: string) => (clips: TrackItem[]) => clips.find((c) => c.item.path === path)!;

describe.each(PREMIERE_SIDES)('Premiere through $name', (side) => {
  it('ping names the host and its version', async () => {
    const f = await setup();
    const host = side.open(f.project);
    expect(data(await host.adapter.ping())).toEqual({ host: 'PPRO', version: expect.stringMatching(/^\d+\.\d+/) });
  });

  it('reports where the playhead stands with the selection, in exact ticks', async () => {
    const f = await setup([30000, 1001]);
    f.select(f.clipA1);
    f.seq.playerPosition = 37 * f.seq.ticksPerFrame;
    const host = side.open(f.project);
    expect(data(await host.adapter.getSelection()).playheadS).toBe((37 * f.seq.ticksPerFrame) / TICKS_PER_SECOND);
  });

  describe.each(RATES)('at %s fps', (_, rate) => {
    it('reports selected video clips on several tracks with exact times, skipping linked audio', async () => {
      const f = await setup(rate);
      f.select(f.clipA1, f.clipB);
      const host = side.open(f.project);
      const { clips } = data(await host.adapter.getSelection());
      const expected = (c: TrackItem, trackIndex: number): Partial<Clip> => ({
        name: 'ai-shot-' + (c === f.clipB ? 'b' : 'a') + '.mp4',
        mediaPath: c.item.path!,
        trackIndex,
        startS: c.start / TICKS_PER_SECOND,
        endS: c.end / TICKS_PER_SECOND,
        inS: c.inPoint / TICKS_PER_SECOND,
        outS: c.outPoint / TICKS_PER_SECOND,
      });
      expect(clips).toEqual([expect.objectContaining(expected(f.clipA1, 0)), expect.objectContaining(expected(f.clipB, 1))]);
      // The engine's frame rule (floor with a 1e-6 frame tolerance) lands on the clip's own frames.
      const fps = rate[0] / rate[1];
      expect(Math.floor(clips[0]!.inS * fps + 1e-6)).toBe(30);
      expect(Math.ceil(clips[0]!.outS * fps - 1e-6)).toBe(78);
      expect(Math.round(clips[1]!.startS * fps)).toBe(20);
      expect(new Set(clips.map((c) => c.id)).size).toBe(2);
    });

    for (const mode of ['replace', 'stack'] as const) {
      it(`${mode}: the same source picture plays at every sequence time, and revert restores the timeline`, async () => {
        const f = await setup(rate);
        const before = { pictures: f.pictures(f.project), timeline: timeline(f.project) };
        // Clip A on V1 is replaced in place; clip B on the top track, V2, is stacked on a new V3.
        const original = mode === 'replace' ? f.clipA1 : f.clipB;
        const refined = await f.refine(original, 6);
        f.select(original);
        const host = side.open(f.project);
        const [clip] = data(await host.adapter.getSelection()).clips;
        const placed = data(await host.adapter.placeRefined({ id: clip!.id, mediaPath: refined.path, mode, handles: { head: refined.head, tail: refined.tail } }));

        const project = host.project();
        expect(f.pictures(project)).toEqual(before.pictures);
        const seq = project.sequences[0]!;
        const onTrack = seq.video.flatMap((t, i) => t.clips.filter((c) => c.item.path === refined.path).map((c) => ({ c, i })));
        expect(onTrack).toHaveLength(1);
        expect(onTrack[0]!.i).toBe(mode === 'replace' ? 0 : 2);
        expect(seq.video).toHaveLength(mode === 'replace' ? 2 : 3);
        const frames = (original.end - original.start) / f.tpf;
        expect(onTrack[0]!.c).toMatchObject({ start: original.start, inPoint: 6 * f.tpf, outPoint: (6 + frames) * f.tpf });
        expect(placed.projectItem).toBe('refined-1.mov');
        expect(project.items().find((i) => i.path === refined.path)!.parent!.name).toBe('Refinery');
        expect(project.items().filter((i) => i.path === original.item.path)).toHaveLength(1);
        expect(await idOf(host, onPath(refined.path))).toBe(placed.id);

        expect(data(await host.adapter.revert({ id: placed.id }))).toEqual({ mode });
        expect(timeline(host.project())).toEqual(before.timeline);
        expect(f.pictures(host.project())).toEqual(before.pictures);
      });
    }

    it('places over a clip only while it shows the media it was sent with (sourcePath)', async () => {
      const f = await setup(rate);
      const before = timeline(f.project);
      const refined = await f.refine(f.clipA1, 6);
      f.select(f.clipA1);
      const host = side.open(f.project);
      const [clip] = data(await host.adapter.getSelection()).clips;
      const request = { id: clip!.id, mediaPath: refined.path, mode: 'replace' as const, handles: { head: refined.head, tail: refined.tail } };
      // The same id now names a clip of other media (replaced meanwhile, or another project's).
      expect(errorCode(await host.adapter.placeRefined({ ...request, sourcePath: '/elsewhere/other-shot.mp4' }))).toBe('clip_changed');
      expect(timeline(host.project())).toEqual(before);
      const placed = data(await host.adapter.placeRefined({ ...request, sourcePath: clip!.mediaPath }));
      expect(host.project().sequences[0]!.video[0]!.clips.find((c) => c.start === f.clipA1.start)!.item.path).toBe(refined.path);
      expect(data(await host.adapter.revert({ id: placed.id }))).toEqual({ mode: 'replace' });
    });

    it('relink: the project item plays the refined media in every use, and revert puts the original back', async () => {
      const f = await setup(rate);
      // A second use of clip B's item, inside the range the render will cover.
      f.project.addClip(f.seq, f.clipB.item, { track: 1, startFrame: 60, inFrame: 20, frames: 10 });
      const before = { pictures: f.pictures(f.project), timeline: timeline(f.project) };
      const refined = await f.refine(f.clipB, 6);
      expect(refined).toMatchObject({ head: 6, tail: 6 });
      f.select(f.clipB);
      const host = side.open(f.project);
      const [clip] = data(await host.adapter.getSelection()).clips;
      const placed = data(await host.adapter.placeRefined({ id: clip!.id, mediaPath: refined.path, mode: 'relink', handles: refined.head }));

      const project = host.project();
      const uses = project.sequences[0]!.video[1]!.clips;
      expect(uses.map((c) => [c.item.path, c.inPoint / f.tpf])).toEqual([[refined.path, 6], [refined.path, 14]]);
      expect(f.pictures(project)).toEqual(before.pictures);
      expect(placed).toEqual({ id: clip!.id, projectItem: 'ai-shot-b.mp4' });

      expect(data(await host.adapter.revert({ id: placed.id }))).toEqual({ mode: 'relink' });
      expect(timeline(host.project())).toEqual(before.timeline);
      expect(f.pictures(host.project())).toEqual(before.pictures);
    });
  });

  it('places several clips on several tracks, and reverts each after the project is saved and reopened', async () => {
    const f = await setup([30000, 1001]);
    const before = { pictures: f.pictures(f.project), timeline: timeline(f.project) };
    const rA = await f.refine(f.clipA1, 8);
    const rA2 = await f.refine(f.clipA2, 8);
    const rB = await f.refine(f.clipB, 8);
    expect([rA.head, rB.head, rA2.tail]).toEqual([8, 8, 8]);
    f.select(f.clipA1, f.clipA2, f.clipB);
    const host = side.open(f.project);
    const clips = data(await host.adapter.getSelection()).clips;
    expect(clips.map((c) => c.mediaPath)).toEqual([f.sourceA, f.sourceB, f.sourceA]);
    const jobs: Array<[string, PlaceMode]> = [[rA.path, 'replace'], [rB.path, 'relink'], [rA2.path, 'stack']];
    for (const [i, [path, mode]] of jobs.entries()) {
      data(await host.adapter.placeRefined({ id: clips[i]!.id, mediaPath: path, mode, handles: 8, binName: 'Refined shots' }));
    }
    expect(f.pictures(host.project())).toEqual(before.pictures);

    host.reopen();
    expect(f.pictures(host.project())).toEqual(before.pictures);
    for (const path of [rA.path, rB.path, rA2.path]) {
      const id = await idOf(host, onPath(path));
      expect(errorCode(await host.adapter.revert({ id }))).toBe('ok');
    }
    expect(timeline(host.project())).toEqual(before.timeline);
    expect(host.project().items().filter((i) => i.name === 'Refined shots')).toHaveLength(1);
  });

  it('a clip with in point 0 gets no head handles and still lines up', async () => {
    const f = await setup([25, 1]);
    const clip = f.project.addClip(f.seq, f.clipB.item, { track: 1, startFrame: 60, inFrame: 0, frames: 10 });
    const before = f.pictures(f.project);
    const refined = await f.refine(clip, 8);
    expect(refined.head).toBe(0);
    f.select(clip);
    const host = side.open(f.project);
    const [c] = data(await host.adapter.getSelection()).clips;
    data(await host.adapter.placeRefined({ id: c!.id, mediaPath: refined.path, mode: 'replace', handles: { head: refined.head, tail: refined.tail } }));
    expect(f.pictures(host.project())).toEqual(before);
  });

  it('placing the same refined file twice imports it once', async () => {
    const f = await setup();
    const refined = await f.refine(f.clipB, 4);
    f.select(f.clipB);
    const host = side.open(f.project);
    const [c] = data(await host.adapter.getSelection()).clips;
    const first = data(await host.adapter.placeRefined({ id: c!.id, mediaPath: refined.path, mode: 'stack', handles: 4 }));
    data(await host.adapter.placeRefined({ id: c!.id, mediaPath: refined.path, mode: 'replace', handles: 4 }));
    expect(host.project().items().filter((i) => i.path === refined.path)).toHaveLength(1);
    expect(errorCode(await host.adapter.revert({ id: first.id }))).toBe('ok');
  });

  describe('errors come back as codes, never as exceptions', () => {
    it('no_project', async () => {
      const host = side.open(null);
      expect(errorCode(await host.adapter.getSelection())).toBe('no_project');
      expect(errorCode(await host.adapter.placeRefined({ id: '1', mediaPath: '/x.mov', mode: 'replace' }))).toBe('no_project');
      expect(errorCode(await host.adapter.revert({ id: '1' }))).toBe('no_project');
      expect(errorCode(await host.adapter.ping())).toBe('ok');
    });

    it('no_sequence', async () => {
      const f = await setup();
      f.project.active = null;
      const host = side.open(f.project);
      expect(errorCode(await host.adapter.getSelection())).toBe('no_sequence');
      expect(errorCode(await host.adapter.revert({ id: '1' }))).toBe('no_sequence');
    });

    it('nothing_selected, also when only audio is selected', async () => {
      const f = await setup();
      const host = side.open(f.project);
      expect(errorCode(await host.adapter.getSelection())).toBe('nothing_selected');
      f.project.linked(f.clipA1)[0]!.selected = true;
      expect(errorCode(await host.adapter.getSelection())).toBe('nothing_selected');
    });

    it('media_offline when a selected clip has lost its media', async () => {
      const f = await setup();
      f.select(f.clipB);
      await rm(f.sourceB);
      const result = await side.open(f.project).adapter.getSelection();
      expect(result).toEqual({ ok: false, error: { code: 'media_offline', message: expect.stringContaining('ai-shot-b.mp4') } });
    });

    it('file_missing, import_failed, media_too_short and clip_not_found leave the timeline alone', async () => {
      const f = await setup();
      const before = timeline(f.project);
      f.select(f.clipA1);
      const host = side.open(f.project);
      const [c] = data(await host.adapter.getSelection()).clips;
      const notMedia = join(f.dir, 'notes.txt');
      await writeFile(notMedia, 'not a video');
      const short = await f.refine(f.clipA1, 6, -7); // one frame short of the clip's end
      const place = (mediaPath: string, id = c!.id) => host.adapter.placeRefined({ id, mediaPath, mode: 'replace', handles: 6 });
      expect(errorCode(await place(join(f.dir, 'gone.mov')))).toBe('file_missing');
      expect(errorCode(await place(notMedia))).toBe('import_failed');
      expect(errorCode(await place(short.path))).toBe('media_too_short');
      expect(errorCode(await place(short.path, 'no-such-clip'))).toBe('clip_not_found');
      expect(timeline(host.project())).toEqual(before);
    });

    it('relink_refused when the item cannot change media, or another use needs frames the render lacks', async () => {
      const f = await setup();
      const before = timeline(f.project);
      const narrow = await f.refine(f.clipA1, 6);
      const forB = await f.refine(f.clipB, 6);
      f.clipB.item.canChangePath = false;
      f.select(f.clipA1, f.clipB);
      const host = side.open(f.project);
      const [a, b] = data(await host.adapter.getSelection()).clips;
      expect(errorCode(await host.adapter.placeRefined({ id: a!.id, mediaPath: narrow.path, mode: 'relink', handles: 6 }))).toBe('relink_refused');
      expect(errorCode(await host.adapter.placeRefined({ id: b!.id, mediaPath: forB.path, mode: 'relink', handles: 6 }))).toBe('relink_refused');
      expect(timeline(host.project())).toEqual(before);
      expect(host.project().items().filter((i) => i.path === f.sourceA)).toHaveLength(1);
    });

    it('track_busy when stacking under a clip on the track above', async () => {
      const f = await setup();
      const before = timeline(f.project);
      const refined = await f.refine(f.clipA1, 6);
      f.select(f.clipA1);
      const host = side.open(f.project);
      const [c] = data(await host.adapter.getSelection()).clips;
      expect(errorCode(await host.adapter.placeRefined({ id: c!.id, mediaPath: refined.path, mode: 'stack', handles: 6 }))).toBe('track_busy');
      expect(timeline(host.project())).toEqual(before);
    });

    it('not_refined for a clip Refinery did not place, and for a second revert', async () => {
      const f = await setup();
      const refined = await f.refine(f.clipB, 2);
      f.select(f.clipB);
      const host = side.open(f.project);
      const [c] = data(await host.adapter.getSelection()).clips;
      expect(await host.adapter.revert({ id: c!.id })).toEqual({ ok: false, error: { code: 'not_refined', message: expect.stringContaining('ai-shot-b.mp4') } });
      const placed = data(await host.adapter.placeRefined({ id: c!.id, mediaPath: refined.path, mode: 'replace', handles: 2 }));
      expect(errorCode(await host.adapter.revert({ id: placed.id }))).toBe('ok');
      const again = await idOf(host, onPath(f.sourceB));
      expect(errorCode(await host.adapter.revert({ id: again }))).toBe('not_refined');
    });

    it('clip_not_found for an id from before the project was reopened', async () => {
      const f = await setup();
      f.select(f.clipB);
      const host = side.open(f.project);
      const [c] = data(await host.adapter.getSelection()).clips;
      host.reopen();
      expect(errorCode(await host.adapter.revert({ id: c!.id }))).toMatch(/clip_not_found|not_refined/);
    });

    it('bad_request for a bad mode or handles longer than the clip has before its in point', async () => {
      const f = await setup();
      const refined = await f.refine(f.clipB, 4);
      f.select(f.clipB);
      const host = side.open(f.project);
      const [c] = data(await host.adapter.getSelection()).clips;
      const adapter: HostAdapter = host.adapter;
      expect(errorCode(await adapter.placeRefined({ id: c!.id, mediaPath: refined.path, mode: 'move' as PlaceMode }))).toBe('bad_request');
      expect(errorCode(await adapter.placeRefined({ id: c!.id, mediaPath: refined.path, mode: 'replace', handles: 13 }))).toBe('bad_request');
    });
  });
});

describe('Premiere, from one bridge to the other', () => {
  it('a clip placed through CEP reverts through UXP, as after upgrading to Premiere 25.6', async () => {
    const [cep, uxp] = PREMIERE_SIDES as [(typeof PREMIERE_SIDES)[0], (typeof PREMIERE_SIDES)[0]];
    const f = await setup([25, 1]);
    const before = timeline(f.project);
    const refined = await f.refine(f.clipA1, 4);
    f.select(f.clipA1);
    const old = cep.open(f.project);
    const [clip] = data(await old.adapter.getSelection()).clips;
    data(await old.adapter.placeRefined({ id: clip!.id, mediaPath: refined.path, mode: 'replace', handles: 4 }));
    old.reopen();

    const now = uxp.open(old.project());
    const id = await idOf(now, onPath(refined.path));
    expect(data(await now.adapter.revert({ id }))).toEqual({ mode: 'replace' });
    expect(timeline(now.project())).toEqual(before);
  });
});
