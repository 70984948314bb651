// The Premiere Pro ExtendScript DOM (docsforadobe premiere-scripting-guide, PProPanel), as
// strict as its documentation: Time in string ticks, read-only properties that throw when
// set, fresh wrapper objects on every access (compare nodeIds, not objects), only the
// methods the host has, and the real premiere.jsx running in an ES3 context.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TICKS_PER_SECOND } from '../../src/host/contract.js';
import { attach, collection, modelOf, readOnlyAccessors } from './dom.js';
import { CepScriptHost, createEs3Context, type Es3Context } from './es3.js';
import { type Marker as MarkerModel, PremiereProject, type ProjectItem as ItemModel, type Sequence as SeqModel, Track as TrackModel, type TrackItem as ClipModel } from './premiere-model.js';

export const PREMIERE_JSX = fileURLToPath(new URL('../../host-scripts/premiere.jsx', import.meta.url));

interface Env {
  project: PremiereProject;
  es: Es3Context;
}

export class Time {
  #ticks = 0;

  get ticks(): string {
    return String(this.#ticks);
  }

  set ticks(value: string) {
    if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw new TypeError(`Time.ticks takes a string of whole ticks, got ${typeof value} ${String(value)}`);
    this.#ticks = Number(value);
  }

  get seconds(): number {
    return this.#ticks / TICKS_PER_SECOND;
  }

  set seconds(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError('Time.seconds takes a number');
    this.#ticks = Math.round(value * TICKS_PER_SECOND);
  }
}

function timeOf(ticks: number): Time {
  const t = new Time();
  t.ticks = String(ticks);
  return t;
}

function ticksOf(value: unknown, what: string): number {
  if (!(value instanceof Time)) throw new TypeError(`${what} takes a Time`);
  return Number(value.ticks);
}

const MEDIA_TYPES = [1, 2, 4]; // video, audio, all

class Marker {
  constructor(env: Env, marker: MarkerModel) {
    attach(this, { env, marker });
  }
  #m() {
    return modelOf<{ marker: MarkerModel }>(this, Marker, 'a Marker').marker;
  }
  get name(): string {
    return this.#m().name;
  }
  set name(v: string) {
    this.#m().name = String(v);
  }
  get comments(): string {
    return this.#m().comments;
  }
  set comments(v: string) {
    this.#m().comments = String(v);
  }
  get start(): Time {
    return timeOf(this.#m().start);
  }
  get type(): string {
    return 'Comment';
  }
}

class MarkerCollection {
  constructor(env: Env, item: ItemModel) {
    attach(this, { env, item });
  }
  #m() {
    return modelOf<{ env: Env; item: ItemModel }>(this, MarkerCollection, 'a MarkerCollection');
  }
  get numMarkers(): number {
    return this.#m().item.markers.length;
  }
  getFirstMarker(): Marker | undefined {
    const { env, item } = this.#m();
    return item.markers[0] && new Marker(env, item.markers[0]);
  }
  getNextMarker(current: Marker): Marker | undefined {
    const { env, item } = this.#m();
    const at = item.markers.indexOf(modelOf<{ marker: MarkerModel }>(current, Marker, 'a Marker').marker);
    const next = at >= 0 ? item.markers[at + 1] : undefined;
    return next && new Marker(env, next);
  }
  createMarker(seconds: number): Marker {
    if (typeof seconds !== 'number') throw new TypeError('createMarker takes seconds as a number');
    const { env, item } = this.#m();
    const marker = { name: '', comments: '', start: Math.round(seconds * TICKS_PER_SECOND) };
    item.markers.push(marker);
    return new Marker(env, marker);
  }
  deleteMarker(marker: Marker): void {
    const { item } = this.#m();
    const m = modelOf<{ marker: MarkerModel }>(marker, Marker, 'a Marker').marker;
    item.markers = item.markers.filter((x) => x !== m);
  }
}

class ProjectItem {
  constructor(env: Env, item: ItemModel) {
    attach(this, { env, item });
  }
  #m() {
    return modelOf<{ env: Env; item: ItemModel }>(this, ProjectItem, 'a ProjectItem');
  }
  #clip(method: string): { env: Env; item: ItemModel } {
    const m = this.#m();
    if (m.item.kind !== 'clip') throw new Error(`ProjectItem.${method}: ${m.item.name} is not a clip`);
    return m;
  }
  #bin(method: string): { env: Env; item: ItemModel } {
    const m = this.#m();
    if (m.item.kind === 'clip') throw new Error(`ProjectItem.${method}: ${m.item.name} is not a bin`);
    return m;
  }
  get name(): string {
    return this.#m().item.name;
  }
  set name(v: string) {
    this.#m().item.name = String(v);
  }
  get nodeId(): string {
    return String(this.#m().item.uid);
  }
  get type(): number {
    return { clip: 1, bin: 2, root: 3 }[this.#m().item.kind];
  }
  get children() {
    const { env, item } = this.#m();
    return collection(item.children.map((c) => new ProjectItem(env, c)), 'numItems');
  }
  getMediaPath(): string {
    return this.#m().item.path ?? '';
  }
  isOffline(): boolean {
    const { env, item } = this.#clip('isOffline');
    return env.project.isOffline(item);
  }
  canChangeMediaPath(): boolean {
    return this.#clip('canChangeMediaPath').item.canChangePath;
  }
  changeMediaPath(path: string, overrideChecks: boolean): boolean {
    const { env, item } = this.#clip('changeMediaPath');
    if (typeof path !== 'string' || typeof overrideChecks !== 'boolean') throw new TypeError('changeMediaPath(path, overrideChecks)');
    if (!item.canChangePath || !env.project.media.read(path)) return false;
    item.path = path;
    return true;
  }
  createBin(name: string): ProjectItem | 0 {
    const { env, item } = this.#bin('createBin');
    if (typeof name !== 'string' || !name) return 0;
    env.project.addBin(name, item);
    return 0; // documented as "the bin or 0": scripts must search for it again, as PProPanel does
  }
  setInPoint(time: Time, mediaType: number): void {
    this.#mark('setInPoint', time, mediaType, 'markIn');
  }
  setOutPoint(time: Time, mediaType: number): void {
    this.#mark('setOutPoint', time, mediaType, 'markOut');
  }
  #mark(method: string, time: Time, mediaType: number, field: 'markIn' | 'markOut'): void {
    const { env, item } = this.#clip(method);
    if (!MEDIA_TYPES.includes(mediaType)) throw new TypeError(`${method}: mediaType must be 1, 2 or 4`);
    const t = ticksOf(time, method);
    if (t < 0 || t > env.project.mediaDuration(item)) throw new RangeError(`${method}: ${t} ticks is outside the media`);
    item[field] = t;
  }
  clearInPoint(): void {
    this.#clip('clearInPoint').item.markIn = null;
  }
  clearOutPoint(): void {
    this.#clip('clearOutPoint').item.markOut = null;
  }
  getInPoint(): Time {
    return timeOf(this.#clip('getInPoint').item.markIn ?? 0);
  }
  getOutPoint(): Time {
    const { env, item } = this.#clip('getOutPoint');
    return timeOf(item.markOut ?? env.project.mediaDuration(item));
  }
  getFootageInterpretation() {
    const { env, item } = this.#clip('getFootageInterpretation');
    const media = env.project.mediaOf(item);
    return { frameRate: media ? media.rate[0] / media.rate[1] : 0, pixelAspectRatio: 1, fieldType: 0, alphaUsage: 0 };
  }
  getMarkers(): MarkerCollection {
    const { env, item } = this.#clip('getMarkers');
    return new MarkerCollection(env, item);
  }
}

class TrackItem {
  constructor(env: Env, clip: ClipModel) {
    attach(this, { env, clip });
  }
  #m() {
    return modelOf<{ env: Env; clip: ClipModel }>(this, TrackItem, 'a TrackItem');
  }
  #live(method: string) {
    const m = this.#m();
    if (!m.env.project.locate(m.clip)) throw new Error(`TrackItem.${method}: the track item is no longer in a sequence`);
    return m;
  }
  get name(): string {
    return this.#m().clip.item.name;
  }
  get nodeId(): string {
    return String(this.#m().clip.uid);
  }
  get start(): Time {
    return timeOf(this.#m().clip.start);
  }
  get end(): Time {
    return timeOf(this.#m().clip.end);
  }
  get duration(): Time {
    const { clip } = this.#m();
    return timeOf(clip.end - clip.start);
  }
  get inPoint(): Time {
    return timeOf(this.#m().clip.inPoint);
  }
  // Setting an in or out point trims the media range and keeps the start; the end follows.
  set inPoint(time: Time) {
    const { clip } = this.#live('inPoint');
    const t = ticksOf(time, 'TrackItem.inPoint');
    if (t < 0 || t >= clip.outPoint) throw new RangeError(`TrackItem.inPoint ${t} is outside [0, out point)`);
    clip.inPoint = t;
  }
  get outPoint(): Time {
    return timeOf(this.#m().clip.outPoint);
  }
  set outPoint(time: Time) {
    const { env, clip } = this.#live('outPoint');
    const t = ticksOf(time, 'TrackItem.outPoint');
    if (t <= clip.inPoint || t > env.project.mediaDuration(clip.item)) throw new RangeError(`TrackItem.outPoint ${t} is outside (in point, media end]`);
    clip.outPoint = t;
  }
  get mediaType(): string {
    return this.#m().clip.kind === 'video' ? 'Video' : 'Audio';
  }
  get type(): number {
    return this.#m().clip.kind === 'video' ? 1 : 2;
  }
  get projectItem(): ProjectItem {
    const { env, clip } = this.#m();
    return new ProjectItem(env, clip.item);
  }
  get disabled(): boolean {
    return this.#m().clip.disabled;
  }
  set disabled(v: boolean) {
    this.#m().clip.disabled = Boolean(v);
  }
  isSelected(): boolean {
    return this.#m().clip.selected;
  }
  setSelected(state: boolean, _updateUI: boolean): void {
    const { env, clip } = this.#live('setSelected');
    for (const c of [clip, ...env.project.linked(clip)]) c.selected = Boolean(state);
  }
  getLinkedItems() {
    const { env, clip } = this.#m();
    return collection(env.project.linked(clip).map((c) => new TrackItem(env, c)), 'numItems');
  }
  remove(inRipple: boolean, inAlignToVideo: boolean): number {
    if (typeof inRipple !== 'boolean' || typeof inAlignToVideo !== 'boolean') throw new TypeError('remove(inRipple, inAlignToVideo)');
    const { env, clip } = this.#live('remove');
    if (inRipple) throw new Error('the simulator models remove without ripple only');
    env.project.remove(clip);
    return 0;
  }
}

class Track {
  constructor(env: Env, seq: SeqModel, track: TrackModel) {
    attach(this, { env, seq, track });
  }
  #m() {
    return modelOf<{ env: Env; seq: SeqModel; track: TrackModel }>(this, Track, 'a Track');
  }
  get id(): number {
    return this.#m().track.uid;
  }
  get mediaType(): string {
    return this.#m().track.kind === 'video' ? 'Video' : 'Audio';
  }
  get clips() {
    const { env, track } = this.#m();
    return collection(track.clips.map((c) => new TrackItem(env, c)), 'numItems');
  }
  // Places the item's marked range (or all of it) at a time, overwriting what is on this track.
  // Video only: which audio track a file's audio would land on is not documented.
  overwriteClip(projectItem: ProjectItem, time: Time | number): void {
    const { env, track } = this.#m();
    const item = modelOf<{ item: ItemModel }>(projectItem, ProjectItem, 'a ProjectItem').item;
    const at = typeof time === 'number' ? Math.round(time * TICKS_PER_SECOND) : ticksOf(time, 'overwriteClip');
    if (item.kind !== 'clip') throw new Error(`overwriteClip: ${item.name} is not a clip`);
    if (env.project.isOffline(item)) throw new Error(`overwriteClip: ${item.name} is offline`);
    env.project.overwrite(track, item, at, item.markIn ?? 0, item.markOut ?? env.project.mediaDuration(item));
  }
}

class Sequence {
  constructor(env: Env, seq: SeqModel) {
    attach(this, { env, seq });
  }
  #m() {
    return modelOf<{ env: Env; seq: SeqModel }>(this, Sequence, 'a Sequence');
  }
  get name(): string {
    return this.#m().seq.name;
  }
  get sequenceID(): string {
    return this.#m().seq.id;
  }
  get timebase(): string {
    return String(this.#m().seq.ticksPerFrame);
  }
  get videoTracks() {
    const { env, seq } = this.#m();
    return collection(seq.video.map((t) => new Track(env, seq, t)), 'numTracks');
  }
  get audioTracks() {
    const { env, seq } = this.#m();
    return collection(seq.audio.map((t) => new Track(env, seq, t)), 'numTracks');
  }
  /** Selected track items in time order, linked audio included. */
  getSelection(): TrackItem[] {
    const { env, seq } = this.#m();
    const order = (c: ClipModel) => c.start * 2 + (c.kind === 'video' ? 0 : 1);
    const picked = seq.tracks().flatMap((t) => t.clips.filter((c) => c.selected)).sort((a, b) => order(a) - order(b));
    return env.es.array(picked.map((c) => new TrackItem(env, c)));
  }
  getSettings() {
    return { videoFrameRate: timeOf(this.#m().seq.ticksPerFrame) };
  }
  getPlayerPosition(): Time {
    return timeOf(this.#m().seq.playerPosition);
  }
}

class Project {
  constructor(env: Env) {
    attach(this, { env });
  }
  #m() {
    return modelOf<{ env: Env }>(this, Project, 'a Project').env;
  }
  get name(): string {
    return this.#m().project.name;
  }
  get rootItem(): ProjectItem {
    const env = this.#m();
    return new ProjectItem(env, env.project.root);
  }
  get activeSequence(): Sequence | null {
    const env = this.#m();
    return env.project.active && new Sequence(env, env.project.active);
  }
  get sequences() {
    const env = this.#m();
    return collection(env.project.sequences.map((s) => new Sequence(env, s)), 'numSequences');
  }
  /** True only when every file was imported; an unreadable one adds nothing. */
  importFiles(paths: string[], suppressUI: boolean, targetBin: ProjectItem, asNumberedStills: boolean): boolean {
    const env = this.#m();
    if (Object.prototype.toString.call(paths) !== '[object Array]') throw new TypeError('importFiles takes an array of paths');
    if (typeof suppressUI !== 'boolean' || typeof asNumberedStills !== 'boolean') throw new TypeError('importFiles(paths, suppressUI, targetBin, importAsNumberedStills)');
    const bin = modelOf<{ item: ItemModel }>(targetBin, ProjectItem, 'a bin').item;
    if (bin.kind === 'clip') throw new TypeError('importFiles: the target is not a bin');
    let all = true;
    for (let i = 0; i < paths.length; i++) all = Boolean(env.project.importFile(String(paths[i]), bin)) && all;
    return all;
  }
}

class QESequence {
  constructor(env: Env, seq: SeqModel) {
    attach(this, { env, seq });
  }
  // addTracks(videoCount, videoIndex, audioCount, audioType, audioIndex, ...): inserts video tracks at videoIndex.
  addTracks(videoCount: number, videoIndex: number, audioCount: number): void {
    const { seq } = modelOf<{ seq: SeqModel }>(this, QESequence, 'a QE sequence');
    if (audioCount) throw new Error('the simulator models adding video tracks only');
    const at = Math.min(Math.max(0, videoIndex), seq.video.length);
    const added = Array.from({ length: videoCount }, () => new TrackModel('video'));
    seq.video.splice(at, 0, ...added);
  }
}

class Application {
  constructor(env: Env | null, version: string) {
    attach(this, { env, version });
  }
  #m() {
    return modelOf<{ env: Env | null; version: string }>(this, Application, 'the app');
  }
  get version(): string {
    return this.#m().version;
  }
  get build(): string {
    return '1';
  }
  get project(): Project | null {
    const { env } = this.#m();
    return env && new Project(env);
  }
  enableQE(): boolean {
    const { env } = this.#m();
    if (env) {
      env.es.define({
        qe: { project: { getActiveSequence: () => env.project.active && new QESequence(env, env.project.active) } },
      });
    }
    return true;
  }
}

for (const cls of [Marker, MarkerCollection, ProjectItem, TrackItem, Track, Sequence, Project, Application]) readOnlyAccessors(cls);

/** A file as ExtendScript sees it: `exists` and `fsName`. */
export class File {
  readonly #path: string;
  constructor(path: string) {
    this.#path = String(path);
  }
  get exists(): boolean {
    return existsSync(this.#path);
  }
  get fsName(): string {
    return this.#path;
  }
}
readOnlyAccessors(File);

export class PremiereScriptHost extends CepScriptHost {
  project: PremiereProject | null;
  #es!: Es3Context;

  protected es(): Es3Context {
    return this.#es;
  }

  constructor(
    project: PremiereProject | null,
    readonly version = '24.6.1',
  ) {
    super();
    this.project = project;
    this.#load();
  }

  #load(): void {
    const es = createEs3Context();
    const env = this.project && { project: this.project, es };
    es.define({
      app: new Application(env, this.version),
      Time,
      File,
      ProjectItemType: { CLIP: 1, BIN: 2, ROOT: 3, FILE: 4 },
    });
    es.runFile(PREMIERE_JSX);
    this.#es = es;
  }



  /** Saves the project, closes it and opens it again: new DOM ids, a fresh script context, nothing kept in memory. */
  saveAndReopen(): void {
    if (this.project) this.project = PremiereProject.open(this.project.save(), this.project.media);
    this.#load();
  }
}
