// The After Effects scripting DOM (docsforadobe after-effects-scripting-guide), strict where
// the guide is: 1-based item(i)/layer(i), 0-based selectedLayers, read-only properties that
// throw, layer times in comp seconds where moving startTime carries inPoint/outPoint along,
// in/out kept inside the source's span, importFile that throws for what it cannot read,
// endUndoGroup without a group throwing, and every change recorded against the undo group
// it happened in. The real aftereffects.jsx runs in an ES3 context.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readOnlyAccessors } from './dom.js';
import { CepScriptHost, createEs3Context, type Es3Context } from './es3.js';
import type { MediaLibrary } from './media.js';

export const AFTER_EFFECTS_JSX = fileURLToPath(new URL('../../host-scripts/aftereffects.jsx', import.meta.url));

const EPSILON = 1e-9;

/** The open project, the undo history, and changes made outside any undo group. */
interface Doc {
  media: MediaLibrary;
  items: Item[];
  active: CompItem | null;
  nextId: number;
  /** Layer.id exists from After Effects 22.0: unique, and kept when layers are added, moved or removed. */
  layerIds: boolean;
  undoGroups: string[];
  openGroup: string | null;
  outsideUndo: string[];
  es: Es3Context | null;
}

function changed(doc: Doc, what: string): void {
  if (doc.openGroup === null) doc.outsideUndo.push(what);
}

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

export class ImportOptions {
  readonly #file: File;
  constructor(file: File) {
    if (!(file instanceof File)) throw new TypeError('ImportOptions takes a File');
    this.#file = file;
  }
  get file(): File {
    return this.#file;
  }
}

export class FileSource {
  readonly #file: () => File;
  constructor(file: () => File) {
    this.#file = file;
  }
  get file(): File {
    return this.#file();
  }
}

export class SolidSource {}

// Internals the simulator shares between its classes, kept off the objects scripts can see.
let docOf: (item: Item) => Doc;
let pathOf: (item: FootageItem) => string | null;
let cloneMarker: (value: MarkerValue) => MarkerValue;
let markersOf: (layer: AVLayer) => MarkerKey[];
let setMarkers: (layer: AVLayer, markers: MarkerKey[]) => void;
let clampLayer: (layer: AVLayer) => void;
let idOf: (layer: AVLayer) => number;
let layersOf: (comp: CompItem) => AVLayer[];
let rateOf: (comp: CompItem) => [number, number];

export class Item {
  static {
    docOf = (item) => item.#doc;
  }
  readonly #doc: Doc;
  readonly #id: number;
  #name: string;
  #parent: FolderItem | null = null;
  constructor(doc: Doc, name: string, id = doc.nextId++) {
    this.#doc = doc;
    this.#id = id;
    this.#name = name;
    doc.nextId = Math.max(doc.nextId, id + 1);
  }
  get id(): number {
    return this.#id;
  }
  get name(): string {
    return this.#name;
  }
  set name(v: string) {
    changed(this.#doc, 'item name');
    this.#name = String(v);
  }
  get parentFolder(): FolderItem | null {
    return this.#parent;
  }
  set parentFolder(folder: FolderItem | null) {
    if (folder !== null && !(folder instanceof FolderItem)) throw new TypeError('parentFolder takes a FolderItem');
    changed(this.#doc, 'item folder');
    this.#parent = folder;
  }
}

export class FolderItem extends Item {}

export class AVItem extends Item {}

export class FootageItem extends AVItem {
  #path: string | null;
  constructor(doc: Doc, name: string, path: string | null, id?: number) {
    super(doc, name, id);
    this.#path = path;
  }
  get mainSource(): FileSource | SolidSource {
    return this.#path === null ? new SolidSource() : new FileSource(() => new File(this.#path!));
  }
  get file(): File | null {
    return this.#path === null ? null : new File(this.#path);
  }
  get footageMissing(): boolean {
    return this.#path !== null && !docOf(this).media.read(this.#path);
  }
  #media() {
    return this.#path === null ? undefined : docOf(this).media.read(this.#path);
  }
  get frameRate(): number {
    const m = this.#media();
    return m ? m.rate[0] / m.rate[1] : 0;
  }
  get frameDuration(): number {
    const m = this.#media();
    return m ? m.rate[1] / m.rate[0] : 0;
  }
  get duration(): number {
    const m = this.#media();
    return m ? (m.frames * m.rate[1]) / m.rate[0] : 0;
  }
  /** The simulator's media all have video; missing footage keeps what it had. */
  get hasVideo(): boolean {
    return true;
  }
  /** Relinks every use; throws for a file After Effects cannot read. Layers keep their times, clamped to the new span. */
  replace(file: File): void {
    if (!(file instanceof File)) throw new TypeError('replace takes a File');
    if (!docOf(this).media.read(file.fsName)) throw new Error(`After Effects error: cannot import ${file.fsName}`);
    changed(docOf(this), 'footage replace');
    this.#path = file.fsName;
    for (const comp of docOf(this).items) if (comp instanceof CompItem) for (const l of layersOf(comp)) if (l.source === this) clampLayer(l);
  }
  static {
    pathOf = (item) => item.#path;
  }
}

interface MarkerKey {
  time: number;
  value: MarkerValue;
}

export class MarkerValue {
  #comment: string;
  #params: Record<string, string> = {};
  constructor(comment: string) {
    this.#comment = String(comment);
  }
  get comment(): string {
    return this.#comment;
  }
  set comment(v: string) {
    this.#comment = String(v);
  }
  getParameters(): Record<string, string> {
    return { ...this.#params };
  }
  setParameters(params: Record<string, unknown>): void {
    this.#params = {};
    for (const k in params) if (Object.prototype.hasOwnProperty.call(params, k)) this.#params[k] = String(params[k]);
  }
  static {
    cloneMarker = (value) => {
      const m = new MarkerValue(value.#comment);
      m.#params = { ...value.#params };
      return m;
    };
  }
}

class MarkerProperty {
  readonly #doc: Doc;
  readonly #keys: () => MarkerKey[];
  constructor(doc: Doc, keys: () => MarkerKey[]) {
    this.#doc = doc;
    this.#keys = keys;
  }
  get numKeys(): number {
    return this.#keys().length;
  }
  #key(i: number): MarkerKey {
    const k = this.#keys()[i - 1];
    if (!k) throw new RangeError(`marker key ${i} does not exist (1..${this.numKeys})`);
    return k;
  }
  keyTime(i: number): number {
    return this.#key(i).time;
  }
  keyValue(i: number): MarkerValue {
    return cloneMarker(this.#key(i).value);
  }
  setValueAtTime(time: number, value: MarkerValue): void {
    if (typeof time !== 'number' || !(value instanceof MarkerValue)) throw new TypeError('setValueAtTime(time, MarkerValue)');
    changed(this.#doc, 'marker');
    const keys = this.#keys();
    keys.push({ time, value: cloneMarker(value) });
    keys.sort((a, b) => a.time - b.time);
  }
  removeKey(i: number): void {
    const k = this.#key(i);
    changed(this.#doc, 'marker');
    const keys = this.#keys();
    keys.splice(keys.indexOf(k), 1);
  }
}

export class Layer {}

export class AVLayer extends Layer {
  readonly #doc: Doc;
  readonly #comp: CompItem;
  #source: AVItem;
  #start: number;
  #in: number;
  #out: number;
  #name: string;
  #markers: MarkerKey[] = [];
  readonly #id: number;
  selected = false;
  enabled = true;
  static {
    markersOf = (layer) => layer.#markers;
    idOf = (layer) => layer.#id;
    setMarkers = (layer, markers) => (layer.#markers = markers);
    clampLayer = (layer) => {
      layer.#out = Math.min(layer.#out, layer.#sourceEnd());
      layer.#in = Math.min(layer.#in, layer.#out - layer.#comp.frameDuration);
    };
  }

  constructor(doc: Doc, comp: CompItem, source: AVItem, start: number, inPoint: number, outPoint: number, name = source.name, id = doc.nextId++) {
    super();
    [this.#doc, this.#comp, this.#source, this.#start, this.#in, this.#out, this.#name, this.#id] = [doc, comp, source, start, inPoint, outPoint, name, id];
  }
  /** Undefined before After Effects 22.0, where layers have no id. */
  get id(): number | undefined {
    return this.#doc.layerIds ? this.#id : undefined;
  }
  get name(): string {
    return this.#name;
  }
  get index(): number {
    return layersOf(this.#comp).indexOf(this) + 1;
  }
  get containingComp(): CompItem {
    return this.#comp;
  }
  get source(): AVItem {
    return this.#source;
  }
  get hasVideo(): boolean {
    return this.#source instanceof FootageItem ? this.#source.hasVideo : true;
  }
  get stretch(): number {
    return 100;
  }
  get startTime(): number {
    return this.#start;
  }
  /** Moves the layer: inPoint and outPoint move by the same amount. */
  set startTime(t: number) {
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new TypeError('startTime takes seconds');
    changed(this.#doc, 'startTime');
    const d = t - this.#start;
    [this.#start, this.#in, this.#out] = [t, this.#in + d, this.#out + d];
  }
  get inPoint(): number {
    return this.#in;
  }
  set inPoint(t: number) {
    if (typeof t !== 'number' || t < this.#start - EPSILON || t >= this.#out) throw new RangeError(`inPoint ${t} is outside [startTime, outPoint)`);
    changed(this.#doc, 'inPoint');
    this.#in = t;
  }
  get outPoint(): number {
    return this.#out;
  }
  set outPoint(t: number) {
    if (typeof t !== 'number' || t <= this.#in || t > this.#sourceEnd() + EPSILON) throw new RangeError(`outPoint ${t} is outside (inPoint, end of source ${this.#sourceEnd()}]`);
    changed(this.#doc, 'outPoint');
    this.#out = t;
  }
  #sourceEnd(): number {
    return this.#source instanceof FootageItem ? this.#start + this.#source.duration : Infinity;
  }
  property(name: string): MarkerProperty | null {
    return name === 'Marker' || name === 'ADBE Marker' ? new MarkerProperty(this.#doc, () => this.#markers) : null;
  }
  /** Keeps startTime, inPoint and outPoint (clamped to the new source's span). */
  replaceSource(item: AVItem, fixExpressions: boolean): void {
    if (!(item instanceof AVItem) || typeof fixExpressions !== 'boolean') throw new TypeError('replaceSource(AVItem, fixExpressions)');
    changed(this.#doc, 'replaceSource');
    this.#source = item;
    clampLayer(this);
  }
  /** A copy just above this layer, with its markers. */
  duplicate(): AVLayer {
    changed(this.#doc, 'duplicate');
    const dup = new AVLayer(this.#doc, this.#comp, this.#source, this.#start, this.#in, this.#out, this.#name);
    dup.#markers = this.#markers.map((m) => ({ time: m.time, value: cloneMarker(m.value) }));
    const layers = layersOf(this.#comp);
    layers.splice(layers.indexOf(this), 0, dup);
    return dup;
  }
  moveBefore(layer: AVLayer): void {
    if (!(layer instanceof AVLayer) || layer.containingComp !== this.#comp) throw new TypeError('moveBefore takes a layer of the same comp');
    changed(this.#doc, 'moveBefore');
    const layers = layersOf(this.#comp);
    layers.splice(layers.indexOf(this), 1);
    layers.splice(layers.indexOf(layer), 0, this);
  }
  remove(): void {
    changed(this.#doc, 'remove layer');
    const layers = layersOf(this.#comp);
    layers.splice(layers.indexOf(this), 1);
  }
}

export class CompItem extends AVItem {
  readonly #layers: AVLayer[] = [];
  readonly #rate: [number, number];
  readonly #duration: number;
  #time = 0;
  constructor(doc: Doc, name: string, rate: [number, number], duration: number, id?: number) {
    super(doc, name, id);
    [this.#rate, this.#duration] = [rate, duration];
  }
  static {
    layersOf = (comp) => comp.#layers;
    rateOf = (comp) => comp.#rate;
  }
  get frameRate(): number {
    return this.#rate[0] / this.#rate[1];
  }
  get frameDuration(): number {
    return this.#rate[1] / this.#rate[0];
  }
  get duration(): number {
    return this.#duration;
  }
  /** The current-time indicator, seconds; the host keeps it inside the comp. */
  get time(): number {
    return this.#time;
  }
  set time(value: number) {
    if (!(value >= 0 && value <= this.#duration)) throw new RangeError(`time ${value} is outside the composition`);
    this.#time = value;
  }
  get numLayers(): number {
    return this.#layers.length;
  }
  layer(index: number): AVLayer {
    const l = this.#layers[index - 1];
    if (!l) throw new RangeError(`layer(${index}): layers are 1..${this.#layers.length}`);
    return l;
  }
  get selectedLayers(): AVLayer[] {
    return docOf(this).es!.array(this.#layers.filter((l) => l.selected));
  }
}

class ItemCollection {
  readonly #doc: Doc;
  constructor(doc: Doc) {
    this.#doc = doc;
  }
  get length(): number {
    return this.#doc.items.length;
  }
  addFolder(name: string): FolderItem {
    changed(this.#doc, 'add folder');
    const folder = new FolderItem(this.#doc, String(name));
    this.#doc.items.push(folder);
    return folder;
  }
}

class Project {
  readonly #doc: Doc;
  constructor(doc: Doc) {
    this.#doc = doc;
  }
  get activeItem(): Item | null {
    return this.#doc.active;
  }
  get numItems(): number {
    return this.#doc.items.length;
  }
  get items(): ItemCollection {
    return new ItemCollection(this.#doc);
  }
  item(index: number): Item {
    const it = this.#doc.items[index - 1];
    if (!it) throw new RangeError(`item(${index}): items are 1..${this.#doc.items.length}`);
    return it;
  }
  itemByID(id: number): Item | null {
    return this.#doc.items.find((i) => i.id === id) ?? null;
  }
  /** Returns the new FootageItem; throws for a file that is missing or not media. */
  importFile(options: ImportOptions): FootageItem {
    if (!(options instanceof ImportOptions)) throw new TypeError('importFile takes ImportOptions');
    const path = options.file.fsName;
    if (!this.#doc.media.read(path)) throw new Error(`After Effects error: cannot import "${path}"`);
    changed(this.#doc, 'import');
    const item = new FootageItem(this.#doc, path.split('/').pop()!, path);
    this.#doc.items.push(item);
    return item;
  }
}

class Application {
  readonly #doc: Doc | null;
  readonly #version: string;
  constructor(doc: Doc | null, version: string) {
    [this.#doc, this.#version] = [doc, version];
  }
  get version(): string {
    return this.#version;
  }
  get project(): Project | null {
    return this.#doc && new Project(this.#doc);
  }
  beginUndoGroup(name: string): void {
    if (!this.#doc) return;
    if (this.#doc.openGroup !== null) throw new Error('an undo group is already open');
    this.#doc.openGroup = String(name);
  }
  endUndoGroup(): void {
    if (!this.#doc || this.#doc.openGroup === null) throw new Error('endUndoGroup without beginUndoGroup');
    this.#doc.undoGroups.push(this.#doc.openGroup);
    this.#doc.openGroup = null;
  }
}

for (const cls of [File, ImportOptions, FileSource, Item, FootageItem, MarkerValue, MarkerProperty, AVLayer, CompItem, ItemCollection, Project, Application]) {
  readOnlyAccessors(cls);
}

/** A comp's layers, top first (the tests' view). */
export function layers(comp: CompItem): AVLayer[] {
  return layersOf(comp);
}

export interface LayerSpec {
  /** Comp frame the layer's source frame 0 sits at (negative when the source starts before the comp), its first shown frame, and frames shown. */
  startFrame: number;
  inFrame: number;
  frames: number;
}

/** The project and the host running aftereffects.jsx on it. */
export class AfterEffectsHost extends CepScriptHost {
  doc: Doc | null;
  #es!: Es3Context;

  protected es(): Es3Context {
    return this.#es;
  }

  constructor(
    media: MediaLibrary | null,
    readonly version = '24.6',
  ) {
    super();
    this.doc = media && { media, items: [], active: null, nextId: 1, layerIds: Number.parseFloat(version) >= 22, undoGroups: [], openGroup: null, outsideUndo: [], es: null };
    this.#load();
  }

  #load(): void {
    const es = createEs3Context();
    if (this.doc) this.doc.es = es;
    es.define({
      app: new Application(this.doc, this.version),
      File, ImportOptions, FileSource, SolidSource, Item, FolderItem, AVItem, FootageItem, CompItem, Layer, AVLayer, MarkerValue,
    });
    es.runFile(AFTER_EFFECTS_JSX);
    this.#es = es;
  }

  // ---- building a project (the tests' setup)

  #needDoc(): Doc {
    if (!this.doc) throw new Error('no project');
    return this.doc;
  }

  addFootage(path: string): FootageItem {
    const doc = this.#needDoc();
    const item = new FootageItem(doc, path.split('/').pop()!, path);
    doc.items.push(item);
    return item;
  }

  addComp(name: string, rate: [number, number], seconds: number): CompItem {
    const doc = this.#needDoc();
    const comp = new CompItem(doc, name, rate, seconds);
    doc.items.push(comp);
    doc.active ??= comp;
    return comp;
  }

  /** Adds a layer at the bottom of the comp. */
  addLayer(comp: CompItem, source: FootageItem, spec: LayerSpec): AVLayer {
    const fd = comp.frameDuration;
    const start = spec.startFrame * fd;
    const layer = new AVLayer(this.#needDoc(), comp, source, start, start + spec.inFrame * source.frameDuration, start + spec.inFrame * source.frameDuration + spec.frames * fd);
    layersOf(comp).push(layer);
    return layer;
  }

  comps(): CompItem[] {
    return (this.doc?.items ?? []).filter((i): i is CompItem => i instanceof CompItem);
  }

  // ---- running the script



  /** Saves the project and opens it again: same item ids, new objects, a fresh script context. */
  saveAndReopen(): void {
    const doc = this.doc;
    if (doc) {
      const saved = JSON.stringify(save(doc));
      this.doc = open(JSON.parse(saved) as SavedAe, doc.media, doc.layerIds);
    }
    this.#load();
  }
}

interface SavedAe {
  items: Array<{ id: number; kind: 'folder' | 'footage' | 'comp'; name: string; path: string | null; parent: number | null; rate?: [number, number]; duration?: number }>;
  layers: Array<{ id: number; comp: number; source: number; name: string; start: number; in: number; out: number; enabled: boolean; markers: Array<{ time: number; comment: string; params: Record<string, string> }> }>;
  active: number | null;
}

function save(doc: Doc): SavedAe {
  return {
    items: doc.items.map((i) => ({
      id: i.id,
      kind: i instanceof FolderItem ? 'folder' : i instanceof CompItem ? 'comp' : 'footage',
      name: i.name,
      path: i instanceof FootageItem ? pathOf(i) : null,
      parent: i.parentFolder?.id ?? null,
      ...(i instanceof CompItem ? { rate: rateOf(i), duration: i.duration } : {}),
    })),
    layers: doc.items.flatMap((c) =>
      c instanceof CompItem
        ? layersOf(c).map((l) => ({
            id: idOf(l), comp: c.id, source: l.source.id, name: l.name, start: l.startTime, in: l.inPoint, out: l.outPoint, enabled: l.enabled,
            markers: markersOf(l).map((m) => ({ time: m.time, comment: m.value.comment, params: m.value.getParameters() })),
          }))
        : [],
    ),
    active: doc.active?.id ?? null,
  };
}

function open(saved: SavedAe, media: MediaLibrary, layerIds: boolean): Doc {
  // Ids are kept by a saved project; new ones continue after them.
  const nextId = 1 + Math.max(0, ...saved.items.map((i) => i.id), ...saved.layers.map((l) => l.id));
  const doc: Doc = { media, items: [], active: null, nextId, layerIds, undoGroups: [], openGroup: null, outsideUndo: [], es: null };
  for (const s of saved.items) {
    const item =
      s.kind === 'folder' ? new FolderItem(doc, s.name, s.id) : s.kind === 'comp' ? new CompItem(doc, s.name, s.rate!, s.duration!, s.id) : new FootageItem(doc, s.name, s.path, s.id);
    doc.items.push(item);
  }
  const byId = (id: number) => doc.items.find((i) => i.id === id)!;
  for (const s of saved.items) if (s.parent !== null) Object.assign(byId(s.id), { parentFolder: byId(s.parent) });
  for (const s of saved.layers) {
    const comp = byId(s.comp) as CompItem;
    const layer = new AVLayer(doc, comp, byId(s.source) as AVItem, s.start, s.in, s.out, s.name, s.id);
    layer.enabled = s.enabled;
    setMarkers(
      layer,
      s.markers.map((m) => {
        const value = new MarkerValue(m.comment);
        value.setParameters(m.params);
        return { time: m.time, value };
      }),
    );
    layersOf(comp).push(layer);
  }
  doc.active = saved.active === null ? null : (byId(saved.active) as CompItem);
  doc.outsideUndo = [];
  return doc;
}
