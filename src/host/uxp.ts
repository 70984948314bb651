// The HostAdapter for Premiere Pro 25.6+ through UXP's `premierepro` module: the operations,
// JSON shapes, error codes and revert records of host-scripts/premiere.jsx, so a clip placed
// by one can be reverted by the other. Times are integer ticks (TickTime.ticks), never seconds.
// Timeline edits are Actions in one transaction each (one undo step); changeMediaFilePath
// and importFiles cannot be, so they run before it.
import type {
  Action,
  ClipProjectItem,
  CompoundAction,
  FolderItem,
  premierepro,
  Project,
  Sequence,
  TrackItemSelection,
  VideoClipTrackItem,
} from '@adobe/premierepro';
import { fail, type HostAdapter } from './adapter.js';
import {
  headFrames,
  type HostErrorCode,
  type HostResult,
  PlaceRequestSchema,
  RevertRequestSchema,
  TICKS_PER_SECOND,
} from './contract.js';

export type PremiereModule = Pick<
  premierepro,
  'Project' | 'ProjectItem' | 'ClipProjectItem' | 'FolderItem' | 'SequenceEditor' | 'TrackItemSelection' | 'TickTime' | 'Markers' | 'Constants'
>;

export interface UxpHost {
  /** `require("premierepro")`. */
  premierepro: PremiereModule;
  /** `require("uxp").host.version`. */
  version: string;
  /** Whether a file exists (UXP's `fs`); Premiere's import does not say why it failed. */
  fileExists(path: string): Promise<boolean>;
}

const MARKER = 'Refinery';

class Failure extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a placement replaced, kept as JSON in a marker on the placed project item. */
type PlaceRecord =
  | { mode: 'replace' | 'stack'; sequence: string; start: string; original: { path: string; inPoint: string; outPoint: string } }
  | { mode: 'relink'; path: string; offset: string };

interface Located {
  item: VideoClipTrackItem;
  trackIndex: number;
  start: number;
}

export function createUxpAdapter(host: UxpHost): HostAdapter {
  const ppro = host.premierepro;
  const { MediaType, TrackItemType } = ppro.Constants;
  const time = (ticks: number) => ppro.TickTime.createWithTicks(String(ticks));
  const ticks = async (t: Promise<{ ticks: string }>) => Number((await t).ticks);

  async function run<T>(operation: () => Promise<T>): Promise<HostResult<T>> {
    try {
      return { ok: true, data: await operation() };
    } catch (e) {
      if (e instanceof Failure) return fail(e.code, e.message);
      return fail('host_error', e instanceof Error ? e.message : String(e));
    }
  }

  async function active(): Promise<{ project: Project; seq: Sequence }> {
    const project = await ppro.Project.getActiveProject();
    if (!project) throw new Failure('no_project', 'No project is open.');
    const seq = await project.getActiveSequence();
    if (!seq) throw new Failure('no_sequence', 'No sequence is active.');
    return { project, seq };
  }

  function transact(project: Project, label: string, build: (ca: CompoundAction) => void): void {
    let done = false;
    project.lockedAccess(() => {
      done = project.executeTransaction(build, label);
    });
    if (!done) throw new Failure('host_error', `Premiere rejected the edit "${label}"; nothing was changed.`);
  }

  const clipOf = async (item: VideoClipTrackItem) => ppro.ClipProjectItem.cast(await item.getProjectItem());
  const idOf = (trackIndex: number, start: number) => `${trackIndex}:${start}`;

  async function findVideoClip(seq: Sequence, id: string): Promise<Located> {
    const m = /^(\d+):(\d+)$/.exec(id);
    const trackIndex = m ? Number(m[1]) : -1;
    if (m && trackIndex < (await seq.getVideoTrackCount())) {
      const track = await seq.getVideoTrack(trackIndex);
      for (const item of track.getTrackItems(TrackItemType.CLIP, false)) {
        const start = await ticks(item.getStartTime());
        if (start === Number(m[2])) return { item, trackIndex, start };
      }
    }
    throw new Failure('clip_not_found', `No video clip with id ${id} in the active sequence.`);
  }

  async function clipItems(folder: FolderItem): Promise<ClipProjectItem[]> {
    const found: ClipProjectItem[] = [];
    for (const child of await folder.getItems()) {
      if (child.type === ppro.ProjectItem.TYPE_BIN) found.push(...(await clipItems(ppro.FolderItem.cast(child))));
      else if (child.type === ppro.ProjectItem.TYPE_CLIP) found.push(ppro.ClipProjectItem.cast(child));
    }
    return found;
  }

  const samePath = (a: string, b: string) => a.replace(/\\/g, '/') === b.replace(/\\/g, '/');

  async function itemWithPath(folder: FolderItem, path: string): Promise<ClipProjectItem | undefined> {
    for (const item of await clipItems(folder)) if (samePath(await item.getMediaFilePath(), path)) return item;
    return undefined;
  }

  async function bin(project: Project, name: string): Promise<FolderItem> {
    const root = await project.getRootItem();
    const find = async () => (await root.getItems()).find((i) => i.type === ppro.ProjectItem.TYPE_BIN && i.name === name);
    let found = await find();
    if (!found) {
      transact(project, `Refinery: create bin ${name}`, (ca) => ca.addAction(root.createBinAction(name, false)));
      found = await find();
    }
    if (!found) throw new Failure('host_error', `Could not create the bin ${name}.`);
    return ppro.FolderItem.cast(found);
  }

  async function importRefined(project: Project, path: string, binName = 'Refinery'): Promise<ClipProjectItem> {
    if (!(await host.fileExists(path))) throw new Failure('file_missing', `The refined file does not exist: ${path}`);
    const target = await bin(project, binName);
    let item = await itemWithPath(target, path);
    if (!item) {
      await project.importFiles([path], true, ppro.ProjectItem.cast(target), false);
      item = await itemWithPath(target, path);
      if (!item) throw new Failure('import_failed', `Premiere could not import ${path}`);
    }
    if (await item.isOffline()) throw new Failure('media_offline', `The refined media is offline: ${path}`);
    return item;
  }

  async function mediaTicksPerFrame(item: ClipProjectItem, seq: Sequence): Promise<number> {
    const rate = (await item.getFootageInterpretation()).getFrameRate();
    return rate > 0 ? Math.round(TICKS_PER_SECOND / rate) : Number(await seq.getTimebase());
  }

  async function isFree(seq: Sequence, trackIndex: number, start: number, end: number): Promise<boolean> {
    for (const item of (await seq.getVideoTrack(trackIndex)).getTrackItems(TrackItemType.CLIP, false)) {
      if ((await ticks(item.getStartTime())) < end && (await ticks(item.getEndTime())) > start) return false;
    }
    return true;
  }

  /** The track above when it is empty over the span; one past the last (a new track) when there is none. */
  async function trackAbove(seq: Sequence, index: number, start: number, end: number): Promise<number> {
    const count = await seq.getVideoTrackCount();
    if (index + 1 < count && !(await isFree(seq, index + 1, start, end))) {
      throw new Failure('track_busy', 'The track above has a clip over this one; make room there or use replace.');
    }
    return index + 1;
  }

  /** Adds to a transaction: place [inPoint, outPoint) of the item at start (through its in/out marks). */
  function placeRange(ca: CompoundAction, seq: Sequence, item: ClipProjectItem, trackIndex: number, start: number, inPoint: number, outPoint: number): void {
    const editor = ppro.SequenceEditor.getEditor(seq);
    ca.addAction(item.createSetInOutPointsAction(time(inPoint), time(outPoint)));
    ca.addAction(editor.createOverwriteItemAction(ppro.ProjectItem.cast(item), time(start), trackIndex, -1));
    ca.addAction(item.createClearInOutPointsAction());
  }

  async function placedId(seq: Sequence, trackIndex: number, start: number, item: ClipProjectItem): Promise<string> {
    const id = ppro.ProjectItem.cast(item).getId();
    for (const c of (await seq.getVideoTrack(trackIndex)).getTrackItems(TrackItemType.CLIP, false)) {
      if ((await ticks(c.getStartTime())) === start && (await c.getProjectItem()).getId() === id) return idOf(trackIndex, start);
    }
    throw new Failure('host_error', 'The placed clip was not found on its track.');
  }

  async function records(item: ClipProjectItem) {
    const markers = await ppro.Markers.getMarkers(item);
    const found = [];
    for (const marker of markers.getMarkers()) {
      if (marker.getName() !== MARKER) continue;
      try {
        found.push({ marker, record: JSON.parse(marker.getComments()) as PlaceRecord });
      } catch {
        // someone else's marker text: not ours to read
      }
    }
    return { markers, found };
  }

  /** Every video use of the item in the project, in every sequence. */
  async function usesOf(project: Project, item: ClipProjectItem): Promise<VideoClipTrackItem[]> {
    const id = ppro.ProjectItem.cast(item).getId();
    const uses: VideoClipTrackItem[] = [];
    for (const seq of await project.getSequences()) {
      const count = await seq.getVideoTrackCount();
      for (let i = 0; i < count; i++) {
        for (const c of (await seq.getVideoTrack(i)).getTrackItems(TrackItemType.CLIP, false)) {
          if ((await c.getProjectItem()).getId() === id) uses.push(c);
        }
      }
    }
    return uses;
  }

  /** The actions that slip a clip's media by delta ticks, ordered to keep in before out at every step. */
  async function slip(clip: VideoClipTrackItem, delta: number): Promise<Action[]> {
    const inAction = clip.createSetInPointAction(time((await ticks(clip.getInPoint())) + delta));
    const outAction = clip.createSetOutPointAction(time((await ticks(clip.getOutPoint())) + delta));
    return delta < 0 ? [inAction, outAction] : [outAction, inAction];
  }

  /** Slips every use; the actions are made first, as the transaction must run synchronously. */
  async function slipAll(uses: VideoClipTrackItem[], delta: number): Promise<Action[]> {
    const actions: Action[] = [];
    for (const u of uses) actions.push(...(await slip(u, delta)));
    return actions;
  }

  async function relink(project: Project, where: Located, original: ClipProjectItem, path: string, binName: string | undefined, offset: number) {
    const name = ppro.ProjectItem.cast(original).name;
    if ((await records(original)).found.length) throw new Failure('bad_request', `${name} is already relinked by Refinery; revert it first.`);
    if (!(await original.canChangeMediaPath())) throw new Failure('relink_refused', `Premiere cannot change the media of ${name}.`);
    const refined = await importRefined(project, path, binName);
    const duration = await ticks(refined.getOutPoint(MediaType.VIDEO));
    const uses = await usesOf(project, original);
    for (const u of uses) {
      if ((await ticks(u.getInPoint())) - offset < 0 || (await ticks(u.getOutPoint())) - offset > duration) {
        const at = (await ticks(u.getStartTime())) / TICKS_PER_SECOND;
        throw new Failure('relink_refused', `Another use of ${name} (at ${at} s) needs frames the refined file does not have; use replace.`);
      }
    }
    const record: PlaceRecord = { mode: 'relink', path: await original.getMediaFilePath(), offset: String(offset) };
    if (!(await original.changeMediaFilePath(path, true))) throw new Failure('relink_refused', `Premiere refused the new media path ${path}.`);
    const { markers } = await records(original);
    const slips = await slipAll(uses, -offset);
    transact(project, 'Refinery: relink to refined media', (ca) => {
      for (const a of slips) ca.addAction(a);
      ca.addAction(markers.createAddMarkerAction(MARKER, 'Comment', ppro.TickTime.TIME_ZERO, ppro.TickTime.TIME_ZERO, JSON.stringify(record)));
    });
    return { id: idOf(where.trackIndex, where.start), projectItem: name };
  }

  return {
    ping: () => run(async () => ({ host: 'PPRO' as const, version: host.version })),

    getSelection: () =>
      run(async () => {
        const { seq } = await active();
        const selected = await (await seq.getSelection()).getTrackItems();
        const video = (await seq.getVideoTrackCount()) > 0 ? (await (await seq.getVideoTrack(0)).getMediaType()).toString() : '';
        const clips = [];
        const offline: string[] = [];
        for (const item of selected) {
          if ((await item.getMediaType()).toString() !== video) continue;
          const clip = await clipOf(item as VideoClipTrackItem);
          const name = await item.getName();
          if (await clip.isOffline()) offline.push(name);
          const [trackIndex, start, end, inPoint, outPoint] = await Promise.all([
            item.getTrackIndex(), ticks(item.getStartTime()), ticks(item.getEndTime()), ticks(item.getInPoint()), ticks(item.getOutPoint()),
          ]);
          clips.push({
            id: idOf(trackIndex, start),
            name,
            mediaPath: await clip.getMediaFilePath(),
            trackIndex,
            startS: start / TICKS_PER_SECOND,
            endS: end / TICKS_PER_SECOND,
            inS: inPoint / TICKS_PER_SECOND,
            outS: outPoint / TICKS_PER_SECOND,
          });
        }
        clips.sort((a, b) => a.startS - b.startS || a.trackIndex - b.trackIndex);
        if (offline.length) throw new Failure('media_offline', `Media offline: ${offline.join(', ')}.`);
        if (!clips.length) throw new Failure('nothing_selected', 'Select one or more video clips in the active sequence.');
        return { clips, playheadS: (await ticks(seq.getPlayerPosition())) / TICKS_PER_SECOND };
      }),

    placeRefined: (raw) =>
      run(async () => {
        const { project, seq } = await active();
        const parsed = PlaceRequestSchema.safeParse(raw);
        if (!parsed.success) throw new Failure('bad_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const request = parsed.data;
        const head = headFrames(request.handles);
        const where = await findVideoClip(seq, request.id);
        const original = await clipOf(where.item);
        const current = await original.getMediaFilePath();
        if (request.sourcePath !== undefined && !samePath(current, request.sourcePath)) {
          throw new Failure('clip_changed', `The clip now shows ${current}, not ${request.sourcePath} as when it was sent; refine it again.`);
        }
        const tpf = await mediaTicksPerFrame(original, seq);
        const [inPoint, outPoint, end] = [await ticks(where.item.getInPoint()), await ticks(where.item.getOutPoint()), await ticks(where.item.getEndTime())];
        // Original media time of the refined file's first frame: the clip's first frame less the head handles.
        const offset = (Math.floor(inPoint / tpf) - head) * tpf;
        if (offset < 0) throw new Failure('bad_request', "handles.head is more frames than the clip has before its in point.");
        if (request.mode === 'relink') return relink(project, where, original, request.mediaPath, request.binName, offset);

        const refined = await importRefined(project, request.mediaPath, request.binName);
        const [newIn, newOut] = [inPoint - offset, outPoint - offset];
        if ((await ticks(refined.getOutPoint(MediaType.VIDEO))) < newOut) {
          throw new Failure('media_too_short', "The refined file ends before the clip does; render it with the clip's range and handles.");
        }
        const target = request.mode === 'stack' ? await trackAbove(seq, where.trackIndex, where.start, end) : where.trackIndex;
        const record: PlaceRecord = {
          mode: request.mode,
          sequence: seq.guid.toString(),
          start: String(where.start),
          original: { path: await original.getMediaFilePath(), inPoint: String(inPoint), outPoint: String(outPoint) },
        };
        const { markers } = await records(refined);
        transact(project, `Refinery: ${request.mode} with refined clip`, (ca) => {
          placeRange(ca, seq, refined, target, where.start, newIn, newOut);
          ca.addAction(markers.createAddMarkerAction(MARKER, 'Comment', ppro.TickTime.TIME_ZERO, ppro.TickTime.TIME_ZERO, JSON.stringify(record)));
        });
        return { id: await placedId(seq, target, where.start, refined), projectItem: ppro.ProjectItem.cast(refined).name };
      }),

    revert: (raw) =>
      run(async () => {
        const { project, seq } = await active();
        const parsed = RevertRequestSchema.safeParse(raw);
        if (!parsed.success) throw new Failure('bad_request', 'id must be a non-empty string.');
        const where = await findVideoClip(seq, parsed.data.id);
        const item = await clipOf(where.item);
        const { markers, found } = await records(item);
        // The record made at this clip's sequence time, else the item's only one (the clip was moved).
        const entry =
          found.find(({ record: r }) => r.mode === 'relink' || (r.sequence === seq.guid.toString() && Number(r.start) === where.start)) ??
          (found.length === 1 ? found[0] : undefined);
        if (!entry) throw new Failure('not_refined', `${await where.item.getName()} was not placed by Refinery.`);
        const r = entry.record;
        const removeMarker = (ca: CompoundAction) => ca.addAction(markers.createRemoveMarkerAction(entry.marker));

        if (r.mode === 'relink') {
          const uses = await usesOf(project, item);
          if (!(await item.changeMediaFilePath(r.path, true))) throw new Failure('media_offline', `Premiere could not relink ${ppro.ProjectItem.cast(item).name} to ${r.path}.`);
          const slips = await slipAll(uses, Number(r.offset));
          transact(project, 'Refinery: revert relink', (ca) => {
            for (const a of slips) ca.addAction(a);
            removeMarker(ca);
          });
          return { mode: r.mode };
        }

        let original: ClipProjectItem | undefined;
        if (r.mode === 'replace') {
          original = await itemWithPath(await project.getRootItem(), r.original.path);
          if (!original) throw new Failure('clip_not_found', `The original project item (${r.original.path}) is no longer in the project.`);
        }
        let selection: TrackItemSelection | undefined;
        ppro.TrackItemSelection.createEmptySelection((s) => {
          s.addItem(where.item);
          selection = s;
        });
        transact(project, `Refinery: revert ${r.mode}`, (ca) => {
          ca.addAction(ppro.SequenceEditor.getEditor(seq).createRemoveItemsAction(selection!, false, MediaType.ANY));
          if (original) placeRange(ca, seq, original, where.trackIndex, where.start, Number(r.original.inPoint), Number(r.original.outPoint));
          removeMarker(ca);
        });
        return { mode: r.mode };
      }),
  };
}
