// The After Effects host script through the CEP bridge: selected footage layers of the active
// comp, placed so the same source frame shows at every comp time, in one undo group each.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostAdapter } from '../../src/host/adapter.js';
import { createCepAdapter } from '../../src/host/cep.js';
import type { PlaceMode } from '../../src/host/contract.js';
import { AfterEffectsHost, type AVLayer, type CompItem, FootageItem, layers } from '../host-sim/aftereffects.js';
import { MediaLibrary } from '../host-sim/media.js';
import { RATES, data, errorCode as code } from './results.js';


const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

class AeFixture {
  readonly media = new MediaLibrary();
  readonly lineage = new Map<string, { source: string; firstFrame: number }>();
  host!: AfterEffectsHost;
  adapter!: HostAdapter;
  comp!: CompItem;
  sourceA!: string;
  sourceB!: string;
  /** Top to bottom: clip B (layer 1), clip A (layer 2), a second use of A (layer 3). */
  layerB!: AVLayer;
  layerA1!: AVLayer;
  layerA2!: AVLayer;
  #files = 0;

  constructor(
    readonly dir: string,
    readonly rate: [number, number],
  ) {}

  static async create(rate: [number, number], version?: string): Promise<AeFixture> {
    const dir = await mkdtemp(join(tmpdir(), 'refinery-ae-'));
    dirs.push(dir);
    const f = new AeFixture(dir, rate);
    f.sourceA = await f.file('ai-shot-a.mp4', 240);
    f.sourceB = await f.file('ai-shot-b.mp4', 120);
    f.host = new AfterEffectsHost(f.media, version);
    f.adapter = createCepAdapter(f.host.evalScript);
    const a = f.host.addFootage(f.sourceA);
    const b = f.host.addFootage(f.sourceB);
    f.comp = f.host.addComp('Edit', rate, 20);
    f.layerB = f.host.addLayer(f.comp, b, { startFrame: 20 - 12, inFrame: 12, frames: 30 });
    f.layerA1 = f.host.addLayer(f.comp, a, { startFrame: 10 - 30, inFrame: 30, frames: 48 });
    f.layerA2 = f.host.addLayer(f.comp, a, { startFrame: 100 - 200, inFrame: 200, frames: 24 });
    return f;
  }

  async file(name: string, frames: number): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(path, '');
    this.media.add(path, { frames, rate: this.rate, hasAudio: true });
    return path;
  }

  async refine(layer: AVLayer, handles: number) {
    const source = layer.source as FootageItem;
    const path = source.file!.fsName;
    const fd = source.frameDuration;
    const inFrame = Math.floor((layer.inPoint - layer.startTime) / fd + 1e-6);
    const outFrame = Math.ceil((layer.outPoint - layer.startTime) / fd - 1e-6);
    const head = Math.min(handles, inFrame);
    const tail = Math.min(handles, this.media.read(path)!.frames - outFrame);
    const refined = await this.file(`refined-${++this.#files}.mov`, outFrame - inFrame + head + tail);
    this.lineage.set(refined, { source: path, firstFrame: inFrame - head });
    return { path: refined, head, tail };
  }

  comp0(): CompItem {
    return this.host.comps()[0]!;
  }

  /** The source frame shown at the middle of every comp frame: "path#frame", or "" for none. */
  pictures(): string[] {
    const comp = this.comp0();
    const frames: string[] = [];
    for (let f = 0; f < 140; f++) {
      const t = (f + 0.5) * comp.frameDuration;
      const layer = layers(comp).find((l) => l.enabled && l.inPoint <= t && t < l.outPoint);
      if (!layer) {
        frames.push('');
        continue;
      }
      const source = layer.source as FootageItem;
      const frame = Math.floor(((t - layer.startTime) * 100) / layer.stretch / source.frameDuration);
      const from = this.lineage.get(source.file!.fsName);
      frames.push(from ? `${from.source}#${from.firstFrame + frame}` : `${source.file!.fsName}#${frame}`);
    }
    return frames;
  }

  /** Every layer's source and times (to 1e-9 s), which revert must restore. */
  layout(): string[] {
    return layers(this.comp0()).map((l) => {
      const path = l.source instanceof FootageItem ? l.source.file!.fsName : l.source.name;
      return `${l.index} ${path} start ${l.startTime.toFixed(9)} [${l.inPoint.toFixed(9)}, ${l.outPoint.toFixed(9)})`;
    });
  }

  select(...chosen: AVLayer[]): void {
    for (const l of layers(this.comp0())) l.selected = chosen.includes(l);
  }

  async selectedIds(...chosen: AVLayer[]): Promise<string[]> {
    this.select(...chosen);
    return data(await this.adapter.getSelection()).clips.map((c) => c.id);
  }
}

describe('After Effects through CEP', () => {
  it('ping names the host and its version', async () => {
    const f = await AeFixture.create([25, 1]);
    expect(data(await f.adapter.ping())).toEqual({ host: 'AEFT', version: '24.6' });
  });

  it('reports the current-time indicator with the selection', async () => {
    const f = await AeFixture.create([25, 1]);
    f.select(f.layerA1);
    f.comp.time = 1.24;
    expect(data(await f.adapter.getSelection()).playheadS).toBe(1.24);
    expect(() => (f.comp.time = -1)).toThrow(/outside the composition/);
  });

  describe.each(RATES)('at %s fps', (_, rate) => {
    it('reports selected footage layers with comp and source times', async () => {
      const f = await AeFixture.create(rate);
      f.select(f.layerB, f.layerA1);
      const { clips } = data(await f.adapter.getSelection());
      const fps = rate[0] / rate[1];
      expect(clips.map((c) => [c.id, c.trackIndex, c.mediaPath])).toEqual([
        [`${f.comp.id}:1:${f.layerB.id}`, 1, f.sourceB],
        [`${f.comp.id}:2:${f.layerA1.id}`, 2, f.sourceA],
      ]);
      const a = clips[1]!;
      expect([Math.round(a.startS * fps), Math.round(a.endS * fps)]).toEqual([10, 58]);
      expect([Math.floor(a.inS * fps + 1e-6), Math.ceil(a.outS * fps - 1e-6)]).toEqual([30, 78]);
    });

    for (const mode of ['replace', 'stack', 'relink'] as const) {
      it(`${mode}: the same source frame shows at every comp time, in one undo group, and revert restores the layers`, async () => {
        const f = await AeFixture.create(rate);
        const before = { pictures: f.pictures(), layout: f.layout() };
        // relink changes every use of the footage item: clip B has one.
        const layer = mode === 'relink' ? f.layerB : f.layerA1;
        const refined = await f.refine(layer, 6);
        const [id] = await f.selectedIds(layer);
        const placed = data(await f.adapter.placeRefined({ id: id!, mediaPath: refined.path, mode, handles: refined }));

        expect(f.pictures()).toEqual(before.pictures);
        const newLayer = layers(f.comp0())[Number(placed.id.split(':')[1]) - 1]!;
        expect(newLayer.index).toBe(mode === 'relink' ? 1 : 2);
        expect((newLayer.source as FootageItem).file!.fsName).toBe(refined.path);
        expect(layers(f.comp0())).toHaveLength(mode === 'stack' ? 4 : 3);
        const doc = f.host.doc!;
        expect(doc.undoGroups).toEqual(['Refinery: place refined clip']);
        expect(doc.outsideUndo).toEqual([]);
        const withRefined = doc.items.filter((i) => i instanceof FootageItem && i.file?.fsName === refined.path);
        expect(withRefined.map((i) => i.parentFolder?.name)).toContain('Refinery');

        f.host.saveAndReopen();
        expect(f.pictures()).toEqual(before.pictures);
        expect(data(await f.adapter.revert({ id: placed.id }))).toEqual({ mode });
        expect(f.layout()).toEqual(before.layout);
        expect(f.pictures()).toEqual(before.pictures);
        expect(f.host.doc!.undoGroups).toEqual(['Refinery: revert']);
        expect(f.host.doc!.outsideUndo).toEqual([]);
      });
    }
  });

  it('places several layers, each in its own mode, and reverts them all', async () => {
    const f = await AeFixture.create([30000, 1001]);
    const before = { pictures: f.pictures(), layout: f.layout() };
    const rB = await f.refine(f.layerB, 12);
    const rA = await f.refine(f.layerA1, 12);
    const rA2 = await f.refine(f.layerA2, 12);
    const [idB, idA1, idA2] = await f.selectedIds(f.layerB, f.layerA1, f.layerA2);
    // Bottom up, so a stacked duplicate does not renumber the layers still to be placed.
    const placedA2 = data(await f.adapter.placeRefined({ id: idA2!, mediaPath: rA2.path, mode: 'stack', handles: 12 }));
    const placedA1 = data(await f.adapter.placeRefined({ id: idA1!, mediaPath: rA.path, mode: 'replace', handles: 12 }));
    const placedB = data(await f.adapter.placeRefined({ id: idB!, mediaPath: rB.path, mode: 'relink', handles: 12 }));
    expect(f.pictures()).toEqual(before.pictures);
    for (const id of [placedA2.id, placedA1.id, placedB.id]) expect(code(await f.adapter.revert({ id }))).toBe('ok');
    expect(f.layout()).toEqual(before.layout);
  });

  it('places each layer on itself when layers were added above it, or stacked in an order that renumbers them', async () => {
    const f = await AeFixture.create([25, 1]);
    const before = f.pictures();
    const rA1 = await f.refine(f.layerA1, 12);
    const rA2 = await f.refine(f.layerA2, 12);
    const [idA1, idA2] = await f.selectedIds(f.layerA1, f.layerA2);
    // While they render, the editor adds a layer on top (disabled: it shows nothing).
    f.layerB.duplicate().enabled = false;
    // Top down: the stacked copy of A1 moves A2 one further down.
    const placedA1 = data(await f.adapter.placeRefined({ id: idA1!, mediaPath: rA1.path, mode: 'stack', handles: 12 }));
    const placedA2 = data(await f.adapter.placeRefined({ id: idA2!, mediaPath: rA2.path, mode: 'stack', handles: 12 }));
    const sourceOf = (id: string) => ((layers(f.comp0())[Number(id.split(':')[1]) - 1]!.source as FootageItem).file!.fsName);
    expect([sourceOf(placedA1.id), sourceOf(placedA2.id)]).toEqual([rA1.path, rA2.path]);
    expect(f.pictures()).toEqual(before);
    // A layer that is gone is reported, not swapped for the one now at its index.
    f.layerA1.remove();
    expect(code(await f.adapter.placeRefined({ id: idA1!, mediaPath: rA1.path, mode: 'replace', handles: 12 }))).toBe('clip_not_found');
  });

  it('places over a layer only while it shows the media it was sent with (sourcePath)', async () => {
    const f = await AeFixture.create([25, 1]);
    const before = { pictures: f.pictures(), layout: f.layout() };
    const refined = await f.refine(f.layerA1, 12);
    const [id] = await f.selectedIds(f.layerA1);
    const request = { id: id!, mediaPath: refined.path, mode: 'replace' as const, handles: 12 };
    // The editor swapped the layer's footage while it rendered.
    f.layerA1.replaceSource(f.layerB.source, false);
    const swapped = f.layout();
    expect(code(await f.adapter.placeRefined({ ...request, sourcePath: f.sourceA }))).toBe('clip_changed');
    expect(f.layout()).toEqual(swapped);
    f.layerA1.replaceSource(f.layerA2.source, false);
    data(await f.adapter.placeRefined({ ...request, sourcePath: f.sourceA }));
    expect(f.pictures()).toEqual(before.pictures);
  });

  it('before After Effects 22.0 (no layer ids) names layers by comp and index, as the host-script API first said', async () => {
    const f = await AeFixture.create([25, 1], '21.0');
    const before = f.pictures();
    const refined = await f.refine(f.layerA1, 12);
    const [id] = await f.selectedIds(f.layerA1);
    expect(id).toBe(`${f.comp.id}:2`);
    const placed = data(await f.adapter.placeRefined({ id: id!, mediaPath: refined.path, mode: 'replace', handles: 12 }));
    expect(placed.id).toBe(id);
    expect(f.pictures()).toEqual(before);
    expect(data(await f.adapter.revert({ id: placed.id }))).toEqual({ mode: 'replace' });
  });

  describe('errors come back as codes, never as exceptions', () => {
    it('no_project and no_sequence', async () => {
      const none = createCepAdapter(new AfterEffectsHost(null).evalScript);
      expect(code(await none.getSelection())).toBe('no_project');
      expect(code(await none.revert({ id: '1:1' }))).toBe('no_project');
      const f = await AeFixture.create([25, 1]);
      f.host.doc!.active = null;
      expect(code(await f.adapter.getSelection())).toBe('no_sequence');
      expect(code(await f.adapter.placeRefined({ id: '1:1', mediaPath: f.sourceA, mode: 'replace' }))).toBe('no_sequence');
    });

    it('nothing_selected and media_offline', async () => {
      const f = await AeFixture.create([25, 1]);
      expect(code(await f.adapter.getSelection())).toBe('nothing_selected');
      f.select(f.layerB);
      await rm(f.sourceB);
      expect(code(await f.adapter.getSelection())).toBe('media_offline');
    });

    it('file_missing, import_failed, media_too_short, clip_not_found, bad_request and not_refined leave the comp alone', async () => {
      const f = await AeFixture.create([25, 1]);
      const before = f.layout();
      const [id] = await f.selectedIds(f.layerA1);
      const notMedia = join(f.dir, 'notes.txt');
      await writeFile(notMedia, 'not a video');
      const short = await f.file('short.mov', 40);
      const place = (mediaPath: string, mode: PlaceMode = 'replace', handles = 6, clip = id!) => f.adapter.placeRefined({ id: clip, mediaPath, mode, handles });
      expect(code(await place(join(f.dir, 'gone.mov')))).toBe('file_missing');
      expect(code(await place(notMedia))).toBe('import_failed');
      expect(code(await place(short))).toBe('media_too_short');
      expect(code(await place(short, 'replace', 6, `${f.comp.id}:9`))).toBe('clip_not_found');
      expect(code(await place(short, 'replace', 31))).toBe('bad_request');
      expect(code(await f.adapter.revert({ id: id! }))).toBe('not_refined');
      expect(f.layout()).toEqual(before);
      expect(f.host.doc!.openGroup).toBeNull();
    });

    it('relink_refused when another use needs frames the render lacks', async () => {
      const f = await AeFixture.create([25, 1]);
      const before = f.layout();
      const refined = await f.refine(f.layerA1, 6);
      const [id] = await f.selectedIds(f.layerA1);
      expect(code(await f.adapter.placeRefined({ id: id!, mediaPath: refined.path, mode: 'relink', handles: 6 }))).toBe('relink_refused');
      expect(f.layout()).toEqual(before);
    });
  });
});
