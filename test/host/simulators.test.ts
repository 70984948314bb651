// The simulators are only worth their tests if they refuse what the real hosts refuse.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AfterEffectsHost, layers } from '../host-sim/aftereffects.js';
import { MediaLibrary } from '../host-sim/media.js';
import { PremiereScriptHost } from '../host-sim/premiere-extendscript.js';
import { PremiereProject } from '../host-sim/premiere-model.js';
import { createPremiereProModule, TickTime, type UxpHostState } from '../host-sim/premiere-uxp.js';

const TPF = 1016064000 * 10; // 25 fps

async function project() {
  const dir = await mkdtemp(join(tmpdir(), 'refinery-sim-'));
  const media = new MediaLibrary();
  const path = join(dir, 'a.mp4');
  await writeFile(path, '');
  media.add(path, { frames: 100, rate: [25, 1], hasAudio: true });
  const p = new PremiereProject(media);
  const seq = p.addSequence('Edit', [25, 1], 2, 2);
  const item = p.addClipItem(path);
  const clip = p.addClip(seq, item, { track: 0, startFrame: 0, inFrame: 10, frames: 50, audio: true });
  return { dir, media, p, seq, item, clip, path };
}

/** Runs a script in the Premiere host and returns its value, or "threw: message". */
function evaluate(host: PremiereScriptHost, body: string): Promise<string> {
  return new Promise((resolve) => host.evalScript(`(function () { try { ${body} } catch (e) { return "threw: " + e.message; } }())`, resolve));
}

describe('the Premiere ExtendScript simulator', () => {
  it('keeps Time in string ticks and refuses a number for ticks', async () => {
    const { p } = await project();
    const host = new PremiereScriptHost(p);
    const first = 'app.project.activeSequence.videoTracks[0].clips[0]';
    expect(await evaluate(host, `var t = ${first}.inPoint; return typeof t.ticks + " " + t.ticks + " " + t.seconds;`)).toBe(`string ${10 * TPF} 0.4`);
    expect(await evaluate(host, 'var t = new Time(); t.ticks = 5; return "set";')).toMatch(/^threw: Time.ticks takes a string/);
  });

  it('refuses writes to read-only properties, and start as in Premiere', async () => {
    const { p } = await project();
    const host = new PremiereScriptHost(p);
    const first = 'app.project.activeSequence.videoTracks[0].clips[0]';
    expect(await evaluate(host, `${first}.duration = new Time(); return "set";`)).toBe('threw: TrackItem.duration is read-only');
    expect(await evaluate(host, `${first}.start = new Time(); return "set";`)).toBe('threw: TrackItem.start is read-only');
    expect(await evaluate(host, `${first}.nodeId = "1"; return "set";`)).toBe('threw: TrackItem.nodeId is read-only');
    expect(await evaluate(host, `return String(${first}.projectItem === ${first}.projectItem);`)).toBe('false');
  });

  it('imports nothing and returns false for a missing file', async () => {
    const { p, dir } = await project();
    const host = new PremiereScriptHost(p);
    const missing = JSON.stringify(join(dir, 'gone.mov'));
    expect(await evaluate(host, `return String(app.project.importFiles([${missing}], true, app.project.rootItem, false));`)).toBe('false');
    expect(p.root.children).toHaveLength(1);
  });

  it('overwrites what is on the track: trims one side, splits a clip it lands inside', async () => {
    const { p, seq, item } = await project();
    p.overwrite(seq.video[0]!, item, 20 * TPF, 0, 10 * TPF);
    expect(seq.video[0]!.clips.map((c) => [c.start / TPF, c.end / TPF, c.inPoint / TPF])).toEqual([[0, 20, 10], [20, 30, 0], [30, 50, 40]]);
    p.overwrite(seq.video[0]!, item, 25 * TPF, 0, 30 * TPF);
    expect(seq.video[0]!.clips.map((c) => [c.start / TPF, c.end / TPF])).toEqual([[0, 20], [20, 25], [25, 55]]);
  });

  it('hands out the selection with its linked audio, as an ES3 array', async () => {
    const { p, clip } = await project();
    for (const c of [clip, ...p.linked(clip)]) c.selected = true;
    const host = new PremiereScriptHost(p);
    expect(await evaluate(host, 'var s = app.project.activeSequence.getSelection(); return s.length + " " + s[0].mediaType + " " + s[1].mediaType + " " + typeof s.forEach;')).toBe(
      '2 Video Audio undefined',
    );
  });

  it('gives new nodeIds after the project is saved and reopened', async () => {
    const { p } = await project();
    const host = new PremiereScriptHost(p);
    const id = 'app.project.activeSequence.videoTracks[0].clips[0].nodeId';
    const before = await evaluate(host, `return ${id};`);
    host.saveAndReopen();
    expect(await evaluate(host, `return ${id};`)).not.toBe(before);
  });
});

describe('the Premiere UXP simulator', () => {
  async function module() {
    const { p, clip } = await project();
    const state: UxpHostState = { project: p, undo: [] };
    const ppro = createPremiereProModule(state);
    const proj = (await ppro.Project.getActiveProject())!;
    const seq = (await proj.getActiveSequence())!;
    const item = (await seq.getVideoTrack(0)).getTrackItems(1, false)[0]!;
    return { state, ppro, proj, item, clip };
  }

  it('keeps TickTime immutable in string ticks', () => {
    const t = TickTime.createWithTicks('254016000000');
    expect([t.ticks, t.seconds]).toEqual(['254016000000', 1]);
    expect(() => TickTime.createWithTicks(5 as unknown as string)).toThrow(/string of whole ticks/);
    expect(() => Object.assign(t, { ticks: '1' })).toThrow(/read-only/);
  });

  it('runs edits only as actions of a transaction inside lockedAccess, each action once', async () => {
    const { proj, item, state, clip } = await module();
    const trim = item.createSetInPointAction(TickTime.createWithTicks(String(12 * TPF)));
    expect(() => proj.executeTransaction((ca) => ca.addAction(trim), 'x')).toThrow(/inside lockedAccess/);
    expect(() => proj.lockedAccess((async () => undefined) as unknown as () => void)).toThrow(/synchronous/);
    proj.lockedAccess(() => proj.executeTransaction((ca) => ca.addAction(trim), 'trim'));
    expect(clip.inPoint).toBe(12 * TPF);
    expect(state.undo).toEqual(['trim']);
    let again = true;
    proj.lockedAccess(() => (again = proj.executeTransaction((ca) => ca.addAction(trim), 'again')));
    expect(again).toBe(false);
  });

  it('leaves the project as it was when an action of a transaction fails', async () => {
    const { proj, item, state } = await module();
    const before = state.project!.save();
    const good = item.createSetInPointAction(TickTime.createWithTicks(String(12 * TPF)));
    const bad = item.createSetOutPointAction(TickTime.createWithTicks(String(1000 * TPF)));
    let ok = true;
    proj.lockedAccess(() => (ok = proj.executeTransaction((ca) => [good, bad].forEach((a) => ca.addAction(a)), 'both')));
    expect(ok).toBe(false);
    expect(state.project!.save()).toBe(before);
  });
});

describe('the After Effects simulator', () => {
  async function comp() {
    const dir = await mkdtemp(join(tmpdir(), 'refinery-sim-ae-'));
    const media = new MediaLibrary();
    const path = join(dir, 'a.mp4');
    await writeFile(path, '');
    media.add(path, { frames: 100, rate: [25, 1], hasAudio: true });
    const host = new AfterEffectsHost(media);
    const c = host.addComp('Edit', [25, 1], 10);
    const layer = host.addLayer(c, host.addFootage(path), { startFrame: -10, inFrame: 20, frames: 40 });
    return { host, c, layer, dir };
  }

  it('moves inPoint and outPoint with startTime, and keeps them inside the source', async () => {
    const { layer } = await comp();
    layer.startTime = 1;
    expect(layer.inPoint).toBeCloseTo(1.8, 12);
    expect(layer.outPoint).toBeCloseTo(3.4, 12);
    expect(() => (layer.outPoint = 5.1)).toThrow(/outside/);
    expect(() => Object.assign(layer, { index: 2 })).toThrow(/read-only/);
  });

  it('records changes made outside an undo group, and refuses endUndoGroup without a group', async () => {
    const { host, layer } = await comp();
    layer.startTime = 0;
    expect(host.doc!.outsideUndo).toEqual(['startTime']);
    expect(host.call('(function () { try { app.endUndoGroup(); return "ended"; } catch (e) { return e.message; } })')).toMatch(/without beginUndoGroup/);
  });

  it('throws from importFile for a file it cannot read, and counts items and layers from 1', async () => {
    const { host, c, dir } = await comp();
    const gone = JSON.stringify(join(dir, 'gone.mov'));
    const script = `(function () { try { app.project.importFile(new ImportOptions(new File(${gone}))); return "imported"; } catch (e) { return "threw"; } })`;
    expect(host.call(script)).toBe('threw');
    expect(host.call('(function () { return app.project.item(1).name + " " + app.project.activeItem.layer(1).index; })')).toBe('Edit 1');
    expect(layers(c)).toHaveLength(1);
  });
});
