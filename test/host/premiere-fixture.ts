// A Premiere project for the host tests: real (empty) files on disk registered as media, a
// sequence with clips at non-zero in points on several tracks, linked audio, a second use of
// one item, and "refined" files whose frame k shows source frame firstFrame + k.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostAdapter } from '../../src/host/adapter.js';
import { MediaLibrary, ticksPerFrame } from '../host-sim/media.js';
import { PremiereProject, type Sequence, type TrackItem } from '../host-sim/premiere-model.js';

export interface PremiereSide {
  name: string;
  open(project: PremiereProject | null): OpenHost;
}

export interface OpenHost {
  adapter: HostAdapter;
  /** The project now open (a new object after reopen). */
  project(): PremiereProject;
  /** Save, close and open the project again: nothing survives in memory. */
  reopen(): void;
}

export interface Refined {
  path: string;
  head: number;
  tail: number;
}

export class PremiereFixture {
  readonly media = new MediaLibrary();
  /** Refined file → the source it came from and the source frame of its first frame. */
  readonly lineage = new Map<string, { source: string; firstFrame: number }>();
  project!: PremiereProject;
  seq!: Sequence;
  /** 240 frames, used twice on V1 (with linked audio); and 120 frames on V2. */
  sourceA!: string;
  sourceB!: string;
  clipA1!: TrackItem;
  clipA2!: TrackItem;
  clipB!: TrackItem;
  #files = 0;

  private constructor(
    readonly dir: string,
    readonly rate: [number, number],
  ) {}

  static async create(rate: [number, number]): Promise<PremiereFixture> {
    const f = new PremiereFixture(await mkdtemp(join(tmpdir(), 'refinery-ppro-')), rate);
    f.sourceA = await f.file('ai-shot-a.mp4', 240, true);
    f.sourceB = await f.file('ai-shot-b.mp4', 120, false);
    f.project = new PremiereProject(f.media, 'Show.prproj');
    const footage = f.project.addBin('Footage');
    const a = f.project.addClipItem(f.sourceA, footage);
    const b = f.project.addClipItem(f.sourceB, footage);
    f.seq = f.project.addSequence('Edit', rate, 2, 2);
    f.clipA1 = f.project.addClip(f.seq, a, { track: 0, startFrame: 10, inFrame: 30, frames: 48, audio: true });
    f.clipA2 = f.project.addClip(f.seq, a, { track: 0, startFrame: 100, inFrame: 200, frames: 24, audio: true });
    f.clipB = f.project.addClip(f.seq, b, { track: 1, startFrame: 20, inFrame: 12, frames: 30 });
    return f;
  }

  get tpf(): number {
    return ticksPerFrame(this.rate);
  }

  async file(name: string, frames: number, hasAudio: boolean, rate = this.rate): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(path, '');
    this.media.add(path, { frames, rate, hasAudio });
    return path;
  }

  /** What the engine would render for a clip: its range plus head/tail handles, clamped to the source. */
  async refine(clip: TrackItem, handles: number, extraFrames = 0): Promise<Refined> {
    const source = clip.item.path!;
    const info = this.media.read(source)!;
    const tpf = ticksPerFrame(info.rate);
    const inFrame = Math.floor(clip.inPoint / tpf);
    const outFrame = Math.ceil(clip.outPoint / tpf);
    const head = Math.min(handles, inFrame);
    const tail = Math.min(handles, info.frames - outFrame);
    const path = await this.file(`refined-${++this.#files}.mov`, outFrame - inFrame + head + tail + extraFrames, info.hasAudio, info.rate);
    this.lineage.set(path, { source, firstFrame: inFrame - head });
    return { path, head, tail };
  }

  /** The source picture at every sequence frame: "path#frame", or "" for black. */
  pictures(project: PremiereProject): string[] {
    const seq = project.sequences[0]!;
    const end = Math.max(...seq.tracks().flatMap((t) => t.clips.map((c) => c.end)));
    const frames: string[] = [];
    for (let t = 0; t < end + seq.ticksPerFrame; t += seq.ticksPerFrame) {
      const p = project.pictureAt(seq, t);
      if (!p) {
        frames.push('');
        continue;
      }
      const frame = Math.floor(p.mediaTime / ticksPerFrame(this.media.read(p.path)!.rate));
      const from = this.lineage.get(p.path);
      frames.push(from ? `${from.source}#${from.firstFrame + frame}` : `${p.path}#${frame}`);
    }
    return frames;
  }

  select(...clips: TrackItem[]): void {
    for (const c of clips) for (const x of [c, ...this.project.linked(c)]) x.selected = true;
  }
}

/**
 * Every clip on the timeline (media, track, times), which revert must restore exactly. Tracks
 * are numbered among those with clips: a track that stack inserted stays, empty, after revert.
 */
export function timeline(project: PremiereProject): string[] {
  return project.sequences.flatMap((s) =>
    (['video', 'audio'] as const).flatMap((kind) =>
      s[kind]
        .filter((t) => t.clips.length)
        .flatMap((t, i) => t.clips.map((c) => `${kind[0]}${i + 1} ${c.item.path} @${c.start} [${c.inPoint}, ${c.outPoint})`)),
    ),
  );
}
