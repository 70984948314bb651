// Premiere's UXP `premierepro` module (types: @adobe/premierepro), over the same project
// model as the ExtendScript DOM. Strict where the API is: getters are async, TickTime is
// immutable with string ticks, timeline edits happen only as Actions added to a transaction
// that runs inside lockedAccess (synchronously), an Action runs once, a failed transaction
// leaves the project as it was, and changeMediaFilePath/importFiles are the only changes
// made outside one.
import { TICKS_PER_SECOND } from '../../src/host/contract.js';
import { attach, modelOf, readOnlyAccessors } from './dom.js';
import { PremiereProject, type ProjectItem as ItemModel, type Sequence as SeqModel, type TrackItem as ClipModel, Track } from './premiere-model.js';

/** Where the module finds the open project; save/reopen replaces it. */
export interface UxpHostState {
  project: PremiereProject | null;
  /** Labels of the transactions run, in order (one undo step each). */
  undo: string[];
}

const MediaType = { ANY: 0, DATA: 1, VIDEO: 2, AUDIO: 3 } as const;
const TrackItemType = { EMPTY: 0, CLIP: 1, TRANSITION: 2, PREVIEW: 3, FEEDBACK: 4 } as const;
const TYPE = { TYPE_CLIP: 1, TYPE_BIN: 2, TYPE_ROOT: 3, TYPE_FILE: 4, TYPE_STYLE: 5, TYPE_COMPOUND: 6 } as const;
const VIDEO_GUID = '228cda18-3625-4d2d-951e-348879e4ed93';
const AUDIO_GUID = '80b8e3d5-6dca-4195-aefb-cb5f407ab009';

class Guid {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  toString(): string {
    return this.#value;
  }
}

export class TickTime {
  readonly #ticks: number;
  private constructor(ticks: number) {
    this.#ticks = ticks;
  }
  static createWithTicks(ticks: string): TickTime {
    if (typeof ticks !== 'string' || !/^-?\d+$/.test(ticks)) throw new TypeError(`createWithTicks takes a string of whole ticks, got ${typeof ticks}`);
    return new TickTime(Number(ticks));
  }
  static createWithSeconds(seconds: number): TickTime {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) throw new TypeError('createWithSeconds takes a number');
    return new TickTime(Math.round(seconds * TICKS_PER_SECOND));
  }
  static get TIME_ZERO(): TickTime {
    return new TickTime(0);
  }
  get ticks(): string {
    return String(this.#ticks);
  }
  get ticksNumber(): number {
    return this.#ticks;
  }
  get seconds(): number {
    return this.#ticks / TICKS_PER_SECOND;
  }
  equals(other: TickTime): boolean {
    return other instanceof TickTime && other.#ticks === this.#ticks;
  }
  add(other: TickTime): TickTime {
    return new TickTime(this.#ticks + ticksOf(other));
  }
  subtract(other: TickTime): TickTime {
    return new TickTime(this.#ticks - ticksOf(other));
  }
}

function ticksOf(value: unknown): number {
  if (!(value instanceof TickTime)) throw new TypeError('expected a TickTime');
  return value.ticksNumber;
}

const at = (ticks: number) => TickTime.createWithTicks(String(ticks));

/** An edit, made by a create…Action method; it runs once, inside a transaction. */
class Action {
  #run: (() => void) | null;
  constructor(run: () => void) {
    this.#run = run;
  }
  static execute(action: Action): void {
    const run = action.#run;
    if (!run) throw new Error('this Action has already been executed');
    action.#run = null;
    run();
  }
}

class CompoundAction {
  readonly #actions: Action[] = [];
  addAction(action: Action): boolean {
    if (!(action instanceof Action)) throw new TypeError('addAction takes an Action from a create…Action method');
    this.#actions.push(action);
    return true;
  }
  get empty(): boolean {
    return this.#actions.length === 0;
  }
  static actions(ca: CompoundAction): Action[] {
    return ca.#actions;
  }
}

interface Ctx {
  state: UxpHostState;
  project: PremiereProject;
}

class Marker {
  constructor(ctx: Ctx, marker: ItemModel['markers'][number]) {
    attach(this, { ctx, marker });
  }
  #m() {
    return modelOf<{ marker: ItemModel['markers'][number] }>(this, Marker, 'a Marker').marker;
  }
  getName(): string {
    return this.#m().name;
  }
  getComments(): string {
    return this.#m().comments;
  }
  getStart(): TickTime {
    return at(this.#m().start);
  }
  getType(): string {
    return 'Comment';
  }
}

class Markers {
  constructor(ctx: Ctx, item: ItemModel) {
    attach(this, { ctx, item });
  }
  #m() {
    return modelOf<{ ctx: Ctx; item: ItemModel }>(this, Markers, 'Markers');
  }
  static async getMarkers(owner: ClipProjectItem): Promise<Markers> {
    const { ctx, item } = modelOf<{ ctx: Ctx; item: ItemModel }>(owner, ClipProjectItem, 'a ClipProjectItem or Sequence');
    return new Markers(ctx, item);
  }
  getMarkers(): Marker[] {
    const { ctx, item } = this.#m();
    return item.markers.map((m) => new Marker(ctx, m));
  }
  createAddMarkerAction(name: string, markerType = 'Comment', startTime: TickTime = TickTime.TIME_ZERO, _duration?: TickTime, comments = ''): Action {
    const { item } = this.#m();
    if (typeof name !== 'string' || markerType !== 'Comment') throw new TypeError('createAddMarkerAction(name, "Comment", start, duration, comments)');
    const start = ticksOf(startTime);
    return new Action(() => item.markers.push({ name, comments: String(comments), start }));
  }
  createRemoveMarkerAction(marker: Marker): Action {
    const { item } = this.#m();
    const m = modelOf<{ marker: ItemModel['markers'][number] }>(marker, Marker, 'a Marker').marker;
    return new Action(() => {
      if (!item.markers.includes(m)) throw new Error('the marker is not on this item');
      item.markers = item.markers.filter((x) => x !== m);
    });
  }
}

class ProjectItem {
  constructor(ctx: Ctx, item: ItemModel) {
    attach(this, { ctx, item });
  }
  static cast(item: ProjectItem | ClipProjectItem | FolderItem): ProjectItem {
    const m = modelOf<{ ctx: Ctx; item: ItemModel }>(item, Object, 'a project item');
    return new ProjectItem(m.ctx, m.item);
  }
  get name(): string {
    return modelOf<{ item: ItemModel }>(this, ProjectItem, 'a ProjectItem').item.name;
  }
  get type(): number {
    return { clip: TYPE.TYPE_CLIP, bin: TYPE.TYPE_BIN, root: TYPE.TYPE_ROOT }[modelOf<{ item: ItemModel }>(this, ProjectItem, 'a ProjectItem').item.kind];
  }
  getId(): string {
    return `item-${modelOf<{ item: ItemModel }>(this, ProjectItem, 'a ProjectItem').item.uid}`;
  }
}
Object.assign(ProjectItem, TYPE);

class ClipProjectItem {
  constructor(ctx: Ctx, item: ItemModel) {
    attach(this, { ctx, item });
  }
  static cast(projectItem: ProjectItem): ClipProjectItem {
    const { ctx, item } = modelOf<{ ctx: Ctx; item: ItemModel }>(projectItem, ProjectItem, 'a ProjectItem');
    if (item.kind !== 'clip') throw new TypeError(`${item.name} is not a clip`);
    return new ClipProjectItem(ctx, item);
  }
  #m() {
    return modelOf<{ ctx: Ctx; item: ItemModel }>(this, ClipProjectItem, 'a ClipProjectItem');
  }
  get name(): string {
    return this.#m().item.name;
  }
  async getMediaFilePath(): Promise<string> {
    return this.#m().item.path!;
  }
  async isOffline(): Promise<boolean> {
    const { ctx, item } = this.#m();
    return ctx.project.isOffline(item);
  }
  async canChangeMediaPath(): Promise<boolean> {
    return this.#m().item.canChangePath;
  }
  /** Not undoable, and not an Action: it changes the media at once. */
  async changeMediaFilePath(newPath: string, overrideCompatibilityCheck?: boolean): Promise<boolean> {
    const { ctx, item } = this.#m();
    if (typeof newPath !== 'string' || (overrideCompatibilityCheck !== undefined && typeof overrideCompatibilityCheck !== 'boolean')) throw new TypeError('changeMediaFilePath(path, override?)');
    if (!item.canChangePath || !ctx.project.media.read(newPath)) return false;
    item.path = newPath;
    return true;
  }
  async getFootageInterpretation() {
    const { ctx, item } = this.#m();
    const media = ctx.project.mediaOf(item);
    return { getFrameRate: () => (media ? media.rate[0] / media.rate[1] : 0), getPixelAspectRatio: () => 1 };
  }
  async getInPoint(mediaType: number): Promise<TickTime> {
    checkMediaType(mediaType);
    return at(this.#m().item.markIn ?? 0);
  }
  async getOutPoint(mediaType: number): Promise<TickTime> {
    checkMediaType(mediaType);
    const { ctx, item } = this.#m();
    return at(item.markOut ?? ctx.project.mediaDuration(item));
  }
  createSetInOutPointsAction(inPoint: TickTime, outPoint: TickTime): Action {
    const { ctx, item } = this.#m();
    const [i, o] = [ticksOf(inPoint), ticksOf(outPoint)];
    return new Action(() => {
      if (i < 0 || o <= i || o > ctx.project.mediaDuration(item)) throw new RangeError(`in/out [${i}, ${o}) is outside the media`);
      [item.markIn, item.markOut] = [i, o];
    });
  }
  createClearInOutPointsAction(): Action {
    const { item } = this.#m();
    return new Action(() => {
      [item.markIn, item.markOut] = [null, null];
    });
  }
}

function checkMediaType(mediaType: number): void {
  if (!Object.values(MediaType).includes(mediaType as 0)) throw new TypeError('expected a Constants.MediaType');
}

class FolderItem {
  constructor(ctx: Ctx, item: ItemModel) {
    attach(this, { ctx, item });
  }
  static cast(projectItem: ProjectItem): FolderItem {
    const { ctx, item } = modelOf<{ ctx: Ctx; item: ItemModel }>(projectItem, ProjectItem, 'a ProjectItem');
    if (item.kind === 'clip') throw new TypeError(`${item.name} is not a bin`);
    return new FolderItem(ctx, item);
  }
  #m() {
    return modelOf<{ ctx: Ctx; item: ItemModel }>(this, FolderItem, 'a FolderItem');
  }
  get name(): string {
    return this.#m().item.name;
  }
  async getItems(): Promise<ProjectItem[]> {
    const { ctx, item } = this.#m();
    return item.children.map((c) => new ProjectItem(ctx, c));
  }
  createBinAction(name: string, makeUnique: boolean): Action {
    const { ctx, item } = this.#m();
    if (typeof name !== 'string' || typeof makeUnique !== 'boolean') throw new TypeError('createBinAction(name, makeUnique)');
    return new Action(() => ctx.project.addBin(name, item));
  }
}

class VideoClipTrackItem {
  constructor(ctx: Ctx, clip: ClipModel) {
    attach(this, { ctx, clip });
  }
  #m() {
    return modelOf<{ ctx: Ctx; clip: ClipModel }>(this, VideoClipTrackItem, 'a track item');
  }
  async getName(): Promise<string> {
    return this.#m().clip.item.name;
  }
  async getMediaType(): Promise<Guid> {
    return new Guid(this.#m().clip.kind === 'video' ? VIDEO_GUID : AUDIO_GUID);
  }
  async getTrackIndex(): Promise<number> {
    const { ctx, clip } = this.#m();
    const where = ctx.project.locate(clip);
    if (!where) throw new Error('the track item is no longer in a sequence');
    return where.index;
  }
  async getStartTime(): Promise<TickTime> {
    return at(this.#m().clip.start);
  }
  async getEndTime(): Promise<TickTime> {
    return at(this.#m().clip.end);
  }
  async getInPoint(): Promise<TickTime> {
    return at(this.#m().clip.inPoint);
  }
  async getOutPoint(): Promise<TickTime> {
    return at(this.#m().clip.outPoint);
  }
  async getProjectItem(): Promise<ProjectItem> {
    const { ctx, clip } = this.#m();
    return new ProjectItem(ctx, clip.item);
  }
  // Trims keep the start; the end follows (as in the ExtendScript DOM).
  createSetInPointAction(tickTime: TickTime): Action {
    const { clip } = this.#m();
    const t = ticksOf(tickTime);
    return new Action(() => {
      if (t < 0 || t >= clip.outPoint) throw new RangeError(`in point ${t} is outside [0, out point)`);
      clip.inPoint = t;
    });
  }
  createSetOutPointAction(tickTime: TickTime): Action {
    const { ctx, clip } = this.#m();
    const t = ticksOf(tickTime);
    return new Action(() => {
      if (t <= clip.inPoint || t > ctx.project.mediaDuration(clip.item)) throw new RangeError(`out point ${t} is outside (in point, media end]`);
      clip.outPoint = t;
    });
  }
}

class VideoTrack {
  constructor(ctx: Ctx, track: Track) {
    attach(this, { ctx, track });
  }
  #m() {
    return modelOf<{ ctx: Ctx; track: Track }>(this, VideoTrack, 'a VideoTrack');
  }
  async getMediaType(): Promise<Guid> {
    return new Guid(VIDEO_GUID);
  }
  getTrackItems(trackItemType: number, includeEmptyTrackItems: boolean): VideoClipTrackItem[] {
    if (trackItemType !== TrackItemType.CLIP || includeEmptyTrackItems !== false) throw new Error('the simulator models getTrackItems(CLIP, false) only');
    const { ctx, track } = this.#m();
    return track.clips.map((c) => new VideoClipTrackItem(ctx, c));
  }
}

class TrackItemSelection {
  readonly #items: ClipModel[] = [];
  static createEmptySelection(callback: (selection: TrackItemSelection) => void): boolean {
    callback(new TrackItemSelection());
    return true;
  }
  static of(items: ClipModel[], ctx: Ctx): TrackItemSelection {
    const s = new TrackItemSelection();
    s.#items.push(...items);
    attach(s, { ctx });
    return s;
  }
  static items(s: TrackItemSelection): ClipModel[] {
    return s.#items;
  }
  addItem(trackItem: VideoClipTrackItem): boolean {
    const { clip } = modelOf<{ clip: ClipModel }>(trackItem, VideoClipTrackItem, 'a track item');
    if (this.#items.includes(clip)) return false;
    this.#items.push(clip);
    return true;
  }
  async getTrackItems(): Promise<VideoClipTrackItem[]> {
    const { ctx } = modelOf<{ ctx: Ctx }>(this, TrackItemSelection, "a sequence's selection");
    return this.#items.map((c) => new VideoClipTrackItem(ctx, c));
  }
}

class Sequence {
  constructor(ctx: Ctx, seq: SeqModel) {
    attach(this, { ctx, seq });
  }
  #m() {
    return modelOf<{ ctx: Ctx; seq: SeqModel }>(this, Sequence, 'a Sequence');
  }
  get name(): string {
    return this.#m().seq.name;
  }
  get guid(): Guid {
    return new Guid(this.#m().seq.id);
  }
  async getTimebase(): Promise<string> {
    return String(this.#m().seq.ticksPerFrame);
  }
  async getVideoTrackCount(): Promise<number> {
    return this.#m().seq.video.length;
  }
  async getVideoTrack(index: number): Promise<VideoTrack> {
    const { ctx, seq } = this.#m();
    const track = seq.video[index];
    if (!track) throw new RangeError(`no video track ${index}`);
    return new VideoTrack(ctx, track);
  }
  async getPlayerPosition(): Promise<TickTime> {
    return at(this.#m().seq.playerPosition);
  }
  /** Selected track items, linked audio included. */
  async getSelection(): Promise<TrackItemSelection> {
    const { ctx, seq } = this.#m();
    return TrackItemSelection.of(seq.tracks().flatMap((t) => t.clips.filter((c) => c.selected)), ctx);
  }
}

class SequenceEditor {
  constructor(ctx: Ctx, seq: SeqModel) {
    attach(this, { ctx, seq });
  }
  static getEditor(sequence: Sequence): SequenceEditor {
    const { ctx, seq } = modelOf<{ ctx: Ctx; seq: SeqModel }>(sequence, Sequence, 'a Sequence');
    return new SequenceEditor(ctx, seq);
  }
  #m() {
    return modelOf<{ ctx: Ctx; seq: SeqModel }>(this, SequenceEditor, 'a SequenceEditor');
  }
  // Places the item's marked range (or all of it) at time on the video track, overwriting what
  // is there; a track index one past the last adds a track on top. audioTrackIndex -1 places no
  // audio (which track a file's audio would take is not modelled).
  createOverwriteItemAction(projectItem: ProjectItem, time: TickTime, videoTrackIndex: number, audioTrackIndex: number): Action {
    const { ctx, seq } = this.#m();
    const { item } = modelOf<{ item: ItemModel }>(projectItem, ProjectItem, 'a ProjectItem');
    const start = ticksOf(time);
    if (!Number.isInteger(videoTrackIndex) || videoTrackIndex < 0 || videoTrackIndex > seq.video.length) throw new RangeError(`video track index ${videoTrackIndex}`);
    if (audioTrackIndex !== -1) throw new Error('the simulator models video-only overwrites (audioTrackIndex -1)');
    return new Action(() => {
      if (ctx.project.isOffline(item)) throw new Error(`${item.name} is offline`);
      if (videoTrackIndex === seq.video.length) seq.video.push(new Track('video'));
      ctx.project.overwrite(seq.video[videoTrackIndex]!, item, start, item.markIn ?? 0, item.markOut ?? ctx.project.mediaDuration(item));
    });
  }
  createRemoveItemsAction(selection: TrackItemSelection, ripple: boolean, mediaType: number): Action {
    const { ctx } = this.#m();
    if (!(selection instanceof TrackItemSelection) || typeof ripple !== 'boolean') throw new TypeError('createRemoveItemsAction(selection, ripple, mediaType)');
    if (ripple) throw new Error('the simulator models removal without ripple only');
    checkMediaType(mediaType);
    const clips = [...TrackItemSelection.items(selection)];
    return new Action(() => clips.forEach((c) => ctx.project.remove(c)));
  }
}

class Project {
  #locked = false;
  constructor(ctx: Ctx) {
    attach(this, { ctx });
  }
  #m() {
    return modelOf<{ ctx: Ctx }>(this, Project, 'a Project').ctx;
  }
  get name(): string {
    return this.#m().project.name;
  }
  async getActiveSequence(): Promise<Sequence | null> {
    const ctx = this.#m();
    return ctx.project.active && new Sequence(ctx, ctx.project.active);
  }
  async getSequences(): Promise<Sequence[]> {
    const ctx = this.#m();
    return ctx.project.sequences.map((s) => new Sequence(ctx, s));
  }
  async getRootItem(): Promise<FolderItem> {
    const ctx = this.#m();
    return new FolderItem(ctx, ctx.project.root);
  }
  async importFiles(filePaths: string[], suppressUI?: boolean, targetBin?: ProjectItem, asNumberedStills?: boolean): Promise<boolean> {
    const ctx = this.#m();
    if (!Array.isArray(filePaths) || (suppressUI !== undefined && typeof suppressUI !== 'boolean') || (asNumberedStills !== undefined && typeof asNumberedStills !== 'boolean')) {
      throw new TypeError('importFiles(paths, suppressUI?, targetBin?, asNumberedStills?)');
    }
    const bin = targetBin ? modelOf<{ item: ItemModel }>(targetBin, ProjectItem, 'a ProjectItem').item : ctx.project.root;
    if (bin.kind === 'clip') throw new TypeError('importFiles: the target is not a bin');
    let all = true;
    for (const path of filePaths) all = Boolean(ctx.project.importFile(path, bin)) && all;
    return all;
  }
  lockedAccess(callback: () => void): void {
    if (this.#locked) throw new Error('lockedAccess is not re-entrant');
    this.#locked = true;
    try {
      const result: unknown = callback();
      if (result && typeof (result as Promise<unknown>).then === 'function') throw new Error('the lockedAccess callback must be synchronous');
    } finally {
      this.#locked = false;
    }
  }
  executeTransaction(callback: (compoundAction: CompoundAction) => void, undoString?: string): boolean {
    const ctx = this.#m();
    if (!this.#locked) throw new Error('executeTransaction must run inside lockedAccess');
    const ca = new CompoundAction();
    callback(ca);
    const saved = ctx.project.save();
    try {
      for (const action of CompoundAction.actions(ca)) Action.execute(action);
    } catch {
      ctx.state.project = PremiereProject.open(saved, ctx.project.media);
      return false;
    }
    ctx.state.undo.push(undoString ?? '');
    return true;
  }
}

for (const cls of [TickTime, Marker, Markers, ProjectItem, ClipProjectItem, FolderItem, VideoClipTrackItem, VideoTrack, Sequence, Project, CompoundAction]) {
  readOnlyAccessors(cls);
}

/** The module object `require("premierepro")` returns, for one host's state. */
export function createPremiereProModule(state: UxpHostState) {
  const ProjectStatic = {
    async getActiveProject(): Promise<Project | null> {
      return state.project && new Project({ state, project: state.project });
    },
  };
  return {
    Project: ProjectStatic,
    ProjectItem,
    ClipProjectItem,
    FolderItem,
    SequenceEditor,
    TrackItemSelection,
    TickTime,
    Markers,
    Constants: { MediaType, TrackItemType },
  };
}
