// The state of a Premiere Pro project, in ticks, behind both simulated scripting APIs (the
// ExtendScript DOM and the UXP `premierepro` module), so a clip placed through one can be
// reverted through the other. Only what a saved project keeps survives save(): ids that a
// live DOM hands out are new after open().
import { type MediaInfo, type MediaLibrary, ticksPerFrame } from './media.js';

// Never reused, also across open(), so a stale id fails as a stale nodeId would.
let nextUid = 1;
const uid = () => nextUid++;

export interface Marker {
  name: string;
  comments: string;
  /** Media time, ticks. */
  start: number;
}

export class ProjectItem {
  readonly uid = uid();
  readonly children: ProjectItem[] = [];
  /** The item's own in/out marks (ticks), which an overwrite edit places instead of the whole media. */
  markIn: number | null = null;
  markOut: number | null = null;
  markers: Marker[] = [];
  /** Some items (merged clips, sequences) refuse a new media path. */
  canChangePath = true;

  constructor(
    public name: string,
    readonly kind: 'clip' | 'bin' | 'root',
    public path: string | null,
    public parent: ProjectItem | null,
  ) {
    parent?.children.push(this);
  }
}

export class TrackItem {
  readonly uid = uid();
  selected = false;
  disabled = false;

  constructor(
    public item: ProjectItem,
    readonly kind: 'video' | 'audio',
    /** Sequence time and media in/out, ticks; end = start + out - in. */
    public start: number,
    public inPoint: number,
    public outPoint: number,
    /** Clips with the same non-zero link move and select together. */
    public link = 0,
  ) {}

  get end(): number {
    return this.start + this.outPoint - this.inPoint;
  }
}

export class Track {
  readonly uid = uid();
  clips: TrackItem[] = [];

  constructor(readonly kind: 'video' | 'audio') {}

  sort(): void {
    this.clips.sort((a, b) => a.start - b.start);
  }
}

export class Sequence {
  readonly video: Track[] = [];
  readonly audio: Track[] = [];
  /** The playhead, ticks. */
  playerPosition = 0;

  constructor(
    public name: string,
    /** Persistent, like Premiere's sequenceID / guid. */
    readonly id: string,
    readonly ticksPerFrame: number,
  ) {}

  tracks(): Track[] {
    return [...this.video, ...this.audio];
  }
}

export interface ClipSpec {
  track: number;
  /** Sequence frame the clip starts at, media frames of its in point, and its length in sequence frames. */
  startFrame: number;
  inFrame: number;
  frames: number;
  /** Put a linked audio clip on the audio track with the same index. */
  audio?: boolean;
}

export class PremiereProject {
  root = new ProjectItem('root', 'root', null, null);
  sequences: Sequence[] = [];
  active: Sequence | null = null;
  #links = 1;

  constructor(
    readonly media: MediaLibrary,
    public name = 'Untitled.prproj',
  ) {}

  // ---- building a project (the tests' setup, not reachable from scripts)

  addBin(name: string, parent = this.root): ProjectItem {
    return new ProjectItem(name, 'bin', null, parent);
  }

  addClipItem(path: string, parent = this.root): ProjectItem {
    return new ProjectItem(path.split('/').pop()!, 'clip', path, parent);
  }

  addSequence(name: string, rate: [number, number], videoTracks = 2, audioTracks = 2): Sequence {
    const seq = new Sequence(name, `seq-${this.sequences.length + 1}-${name}`, ticksPerFrame(rate));
    for (let i = 0; i < videoTracks; i++) seq.video.push(new Track('video'));
    for (let i = 0; i < audioTracks; i++) seq.audio.push(new Track('audio'));
    this.sequences.push(seq);
    this.active ??= seq;
    return seq;
  }

  /** Puts a clip on a track by frames; media frames use the item's own rate. */
  addClip(seq: Sequence, item: ProjectItem, spec: ClipSpec): TrackItem {
    const media = this.mediaOf(item);
    if (!media) throw new Error(`${item.path} is not registered media`);
    const inPoint = spec.inFrame * ticksPerFrame(media.rate);
    const start = spec.startFrame * seq.ticksPerFrame;
    const length = spec.frames * seq.ticksPerFrame;
    const link = spec.audio ? this.#links++ : 0;
    const video = this.overwrite(seq.video[spec.track]!, item, start, inPoint, inPoint + length, link);
    if (spec.audio) this.overwrite(seq.audio[spec.track]!, item, start, inPoint, inPoint + length, link);
    return video;
  }

  // ---- media

  mediaOf(item: ProjectItem): MediaInfo | undefined {
    return item.path === null ? undefined : this.media.read(item.path);
  }

  isOffline(item: ProjectItem): boolean {
    return item.kind === 'clip' && !this.mediaOf(item);
  }

  /** Length of the item's media in ticks (0 when offline). */
  mediaDuration(item: ProjectItem): number {
    const media = this.mediaOf(item);
    return media ? media.frames * ticksPerFrame(media.rate) : 0;
  }

  importFile(path: string, bin: ProjectItem): ProjectItem | undefined {
    if (!this.media.read(path)) return undefined;
    return this.addClipItem(path, bin);
  }

  items(from = this.root): ProjectItem[] {
    return from.children.flatMap((c) => [c, ...this.items(c)]);
  }

  // ---- editing

  /** An overwrite edit: clears [start, start + length) on the track (trimming or splitting what is there), then places the range. */
  overwrite(track: Track, item: ProjectItem, start: number, inPoint: number, outPoint: number, link = 0): TrackItem {
    if (item.kind !== 'clip') throw new Error(`${item.name} is a bin, not a clip`);
    if (!(outPoint > inPoint)) throw new Error('an edit needs an out point after its in point');
    const end = start + outPoint - inPoint;
    const kept: TrackItem[] = [];
    for (const c of track.clips) {
      if (c.end <= start || c.start >= end) kept.push(c);
      else if (c.start < start && c.end > end) {
        kept.push(new TrackItem(c.item, c.kind, end, c.inPoint + (end - c.start), c.outPoint), c);
        c.outPoint = c.inPoint + (start - c.start);
      } else if (c.start < start) {
        c.outPoint = c.inPoint + (start - c.start);
        kept.push(c);
      } else if (c.end > end) {
        c.inPoint += end - c.start;
        c.start = end;
        kept.push(c);
      }
    }
    const placed = new TrackItem(item, track.kind, start, inPoint, outPoint, link);
    track.clips = [...kept, placed];
    track.sort();
    return placed;
  }

  remove(clip: TrackItem): void {
    for (const seq of this.sequences) for (const t of seq.tracks()) t.clips = t.clips.filter((c) => c !== clip);
  }

  locate(clip: TrackItem): { seq: Sequence; track: Track; index: number } | undefined {
    for (const seq of this.sequences) {
      for (const list of [seq.video, seq.audio]) {
        const index = list.findIndex((t) => t.clips.includes(clip));
        if (index >= 0) return { seq, track: list[index]!, index };
      }
    }
    return undefined;
  }

  linked(clip: TrackItem): TrackItem[] {
    if (!clip.link) return [];
    return this.sequences.flatMap((s) => s.tracks().flatMap((t) => t.clips)).filter((c) => c !== clip && c.link === clip.link);
  }

  clipByUid(uid: number): TrackItem | undefined {
    return this.sequences.flatMap((s) => s.tracks().flatMap((t) => t.clips)).find((c) => c.uid === uid);
  }

  // ---- what the viewer shows

  /** The picture at a sequence time: the topmost enabled video clip there, as media path and media time (ticks). */
  pictureAt(seq: Sequence, time: number): { path: string; mediaTime: number } | undefined {
    for (let i = seq.video.length - 1; i >= 0; i--) {
      const clip = seq.video[i]!.clips.find((c) => !c.disabled && c.start <= time && time < c.end);
      if (clip) return { path: clip.item.path!, mediaTime: clip.inPoint + (time - clip.start) };
    }
    return undefined;
  }

  // ---- save and open

  save(): string {
    const items = this.items();
    const index = (item: ProjectItem) => items.indexOf(item);
    const clip = (c: TrackItem) => ({ item: index(c.item), start: c.start, in: c.inPoint, out: c.outPoint, link: c.link, disabled: c.disabled });
    return JSON.stringify({
      name: this.name,
      items: items.map((i) => ({
        name: i.name, kind: i.kind, path: i.path, parent: i.parent === this.root ? -1 : index(i.parent!),
        markIn: i.markIn, markOut: i.markOut, markers: i.markers, canChangePath: i.canChangePath,
      })),
      sequences: this.sequences.map((s) => ({
        name: s.name, id: s.id, tpf: s.ticksPerFrame, video: s.video.map((t) => t.clips.map(clip)), audio: s.audio.map((t) => t.clips.map(clip)),
      })),
      active: this.active ? this.sequences.indexOf(this.active) : -1,
    });
  }

  static open(saved: string, media: MediaLibrary): PremiereProject {
    const data = JSON.parse(saved) as SavedProject;
    const project = new PremiereProject(media, data.name);
    const items: ProjectItem[] = [];
    for (const i of data.items) {
      const item = new ProjectItem(i.name, i.kind, i.path, i.parent < 0 ? project.root : items[i.parent]!);
      Object.assign(item, { markIn: i.markIn, markOut: i.markOut, markers: i.markers, canChangePath: i.canChangePath });
      items.push(item);
    }
    for (const s of data.sequences) {
      const seq = new Sequence(s.name, s.id, s.tpf);
      const load = (kind: 'video' | 'audio', clips: SavedClip[]) => {
        const track = new Track(kind);
        track.clips = clips.map((c) => Object.assign(new TrackItem(items[c.item]!, kind, c.start, c.in, c.out, c.link), { disabled: c.disabled }));
        return track;
      };
      seq.video.push(...s.video.map((clips) => load('video', clips)));
      seq.audio.push(...s.audio.map((clips) => load('audio', clips)));
      project.sequences.push(seq);
    }
    project.active = data.active >= 0 ? project.sequences[data.active]! : null;
    project.#links = 1 + Math.max(0, ...project.sequences.flatMap((s) => s.tracks().flatMap((t) => t.clips.map((c) => c.link))));
    return project;
  }
}

interface SavedClip { item: number; start: number; in: number; out: number; link: number; disabled: boolean }
interface SavedProject {
  name: string;
  items: Array<{ name: string; kind: 'clip' | 'bin'; path: string | null; parent: number; markIn: number | null; markOut: number | null; markers: Marker[]; canChangePath: boolean }>;
  sequences: Array<{ name: string; id: string; tpf: number; video: SavedClip[][]; audio: SavedClip[][] }>;
  active: number;
}
