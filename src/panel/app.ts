// The panel: status line, recipe, before/after preview, the clips with their jobs. It only
// steers: the host through a HostAdapter, the companion through the protocol client.
import type { HostAdapter } from '../host/adapter.js';
import type { Clip, PlaceMode, PlaceRequest } from '../host/contract.js';
import type { CompanionClient } from '../protocol/client.js';
import type { JobState, JobUpdated } from '../protocol/messages.js';
import { DiscoveryError } from './discovery.js';
import { type Pending, loadPending, savePending } from './pending.js';
import { PREVIEW_WIDTH, previewPoint } from './playhead.js';
import { duration, h, select } from './dom.js';
import {
  type PanelRecipe,
  type RecipeStorage,
  SUPPORTED_OPS,
  loadLastRecipe,
  namedRecipes,
  saveLastRecipe,
  saveNamedRecipe,
  submitParams,
  toSteps,
} from './recipe.js';

export interface PanelEnvironment {
  host: HostAdapter;
  /** Finds and connects to the companion; throws DiscoveryError with a fix when it cannot. */
  connect(): Promise<CompanionClient>;
  storage: RecipeStorage;
  root: HTMLElement;
}

type RowState = JobState | 'submitting' | 'placing' | 'placed' | 'reverted' | 'error';

/** Rows whose placing is still to come (or was under way): kept for the panel's next start. */
const PENDING_STATES: RowState[] = ['queued', 'running', 'done', 'interrupted', 'placing'];
const isPending = (r: Row) => r.jobId !== undefined && PENDING_STATES.includes(r.state);
/** Reconnecting to a lost companion: first after this, then twice as long each time, up to the most. */
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

interface Row {
  clip: Clip;
  jobId?: string;
  /** Placement as the recipe said when the clip was sent. */
  mode: PlaceMode;
  handles: number;
  state: RowState;
  progress?: { frame: number; total: number; fps: number; etaS: number | null };
  message?: string;
  placedId?: string;
  thumbnail?: string;
}

const STATE_WORDS: Record<RowState, string> = {
  submitting: 'Sending…',
  queued: 'Queued',
  running: 'Refining',
  done: 'Rendered',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
  placing: 'Placing…',
  placed: 'Placed',
  reverted: 'Reverted',
  error: 'Error',
};

export class PanelApp {
  private client?: CompanionClient;
  private recipe: PanelRecipe;
  private rows: Row[] = [];
  private luts: { name: string; description: string }[] = [];
  /** Each look applied to the current clip, small; keyed by LUT name. */
  private lookThumbs = new Map<string, string>();
  private lookClip?: string;
  private status = { text: 'Connecting to the Refinery companion…', fix: '', ok: false };
  private preview?: { before: string; after: string };
  private split = 50;
  private readonly rowViews = new Map<string, RowView>();
  private placements: Promise<unknown> = Promise.resolve();
  private reconnecting = false;
  /** The pending rows as last stored; undefined until those of the last run have been restored. */
  private storedPending?: string;
  private readonly parts: Record<'status' | 'recipe' | 'preview' | 'clips', HTMLElement>;

  constructor(private readonly env: PanelEnvironment) {
    this.recipe = loadLastRecipe(env.storage);
    this.parts = {
      status: h('div', { class: 'status', role: 'status', 'aria-live': 'polite' }),
      recipe: h('div', { class: 'recipe' }),
      preview: h('div', { class: 'preview' }),
      clips: h('div', { class: 'clips' }),
    };
    const actions = h(
      'div',
      { class: 'actions' },
      h('button', { id: 'refine', class: 'primary' }, 'Refine selected'),
      h('button', { id: 'revert-selected' }, 'Revert selected'),
      h('button', { id: 'show-preview' }, 'Preview'),
    );
    env.root.append(this.parts.status, actions, this.parts.recipe, this.parts.preview, this.parts.clips);
    actions.querySelector('#refine')!.addEventListener('click', () => void this.refineSelected());
    actions.querySelector('#revert-selected')!.addEventListener('click', () => void this.revertSelected());
    actions.querySelector('#show-preview')!.addEventListener('click', () => void this.showPreview());
    this.renderAll();
  }

  async start(): Promise<void> {
    try {
      this.client = await this.env.connect();
    } catch (error) {
      const fix = error instanceof DiscoveryError ? error.fix : 'Start it with "npx refinery companion", then reopen this panel.';
      return this.setStatus(error instanceof DiscoveryError ? error.message : `Cannot reach the Refinery companion: ${(error as Error).message}`, fix);
    }
    this.client.onClose((reason) => void this.reconnect(reason));
    this.client.onJobUpdated((u) => void this.onJobUpdated(u));
    const [info, luts] = await Promise.all([this.client.call('system.info'), this.client.call('luts.list')]);
    this.luts = luts.luts as { name: string; description: string }[];
    const ping = await this.env.host.ping();
    const host = ping.ok ? `${ping.data.host} ${ping.data.version}` : 'no host';
    this.status = { text: `Ready — companion ${String(info.version)}, ${host}`, fix: '', ok: true };
    this.renderAll();
    await this.restorePending();
  }

  /**
   * The companion went away (stopped, crashed, restarted for an update): connect again, at
   * growing intervals, and then take up the rows still to be placed as on the panel's own
   * start, for what happened to their jobs meanwhile (done, or interrupted) is on the companion.
   */
  private async reconnect(reason: string): Promise<void> {
    this.client = undefined;
    // A client that connects and drops again comes back here while the loop below still runs.
    if (this.reconnecting) return;
    this.reconnecting = true;
    this.storePending();
    this.storedPending = undefined;
    this.rows = this.rows.filter((r) => !isPending(r));
    this.renderClips();
    for (let wait = RECONNECT_FIRST_MS; !this.client; wait = Math.min(RECONNECT_MAX_MS, wait * 2)) {
      this.setStatus(`Lost the Refinery companion: ${reason}. Reconnecting…`, 'If it does not come back, start it with "npx refinery companion".');
      await new Promise((r) => setTimeout(r, wait));
      await this.start();
    }
    this.reconnecting = false;
  }

  /** Rows sent while the panel was last open: finished ones are placed now, the rest are followed again. */
  private async restorePending(): Promise<void> {
    const restored: Row[] = [];
    for (const p of loadPending(this.env.storage)) {
      if (this.rows.some((r) => r.clip.id === p.clip.id)) continue;
      // A job the companion no longer has (forgotten, or another state folder) is dropped.
      const job = await this.client!.call('jobs.get', { jobId: p.jobId }).catch(() => undefined);
      if (!job) continue;
      const row: Row = { clip: p.clip, jobId: p.jobId, mode: p.mode, handles: p.handles, state: job.state, progress: job.progress, message: job.error };
      if (p.placing) {
        row.state = 'error';
        row.message = `Placing was cut off when the panel closed; the refined file is ${job.output.path}`;
      }
      restored.push(row);
    }
    this.rows.push(...restored);
    this.storedPending = '';
    this.renderClips();
    await Promise.all(restored.filter((r) => r.state === 'done').map((r) => this.place(r)));
    void this.loadThumbnails(restored);
  }

  private setStatus(text: string, fix = ''): void {
    this.status = { text, fix, ok: false };
    this.renderStatus();
  }

  private async refineSelected(): Promise<void> {
    if (!this.client) return this.setStatus('Not connected to the Refinery companion.', 'Start it with "npx refinery companion", then reopen this panel.');
    const selection = await this.env.host.getSelection();
    if (!selection.ok) return this.setStatus(selection.error.message);
    const fresh = selection.data.clips.filter((clip) => !this.rows.some((r) => r.clip.id === clip.id && ['queued', 'running', 'submitting', 'placing'].includes(r.state)));
    const rows = fresh.map((clip): Row => ({ clip, state: 'submitting', mode: this.recipe.mode, handles: this.recipe.handles }));
    this.rows = [...this.rows.filter((r) => !fresh.some((c) => c.id === r.clip.id)), ...rows];
    this.renderClips();
    saveLastRecipe(this.env.storage, this.recipe);
    await Promise.all(
      rows.map(async (row) => {
        try {
          row.jobId = (await this.client!.call('jobs.submit', submitParams(this.recipe, row.clip))).jobId;
          if (row.state === 'submitting') row.state = 'queued';
        } catch (error) {
          row.state = 'error';
          row.message = (error as Error).message;
        }
        this.renderClips();
      }),
    );
    void this.loadThumbnails(rows);
    if (rows[0]) void this.loadLookThumbnails(rows[0].clip);
  }

  private async loadThumbnails(rows: Row[]): Promise<void> {
    for (const row of rows) {
      const shot = await this.client!.call('preview.frame', { source: row.clip.mediaPath, timeS: row.clip.inS, steps: [], maxWidth: 96 }).catch(() => undefined);
      if (shot) row.thumbnail = shot.before;
      this.renderClips();
    }
  }

  private async onJobUpdated(update: JobUpdated): Promise<void> {
    const row = this.rows.find((r) => r.jobId === update.jobId);
    if (!row) return;
    row.progress = update.progress ?? row.progress;
    if (update.state !== 'done') {
      row.state = update.state;
      row.message = update.error;
      return this.renderClips();
    }
    if (row.state !== 'placing' && row.state !== 'placed') await this.place(row);
  }

  /**
   * Puts a rendered clip in the sequence, as the row was sent to be placed; one at a time, so
   * that two placements never read and edit the timeline at once.
   */
  private place(row: Row): Promise<void> {
    row.state = 'placing';
    this.renderClips();
    const placed = this.placements.then(() => this.placeNow(row));
    this.placements = placed.catch(() => undefined);
    return placed;
  }

  private async placeNow(row: Row): Promise<void> {
    const job = await this.client!.call('jobs.get', { jobId: row.jobId! }).catch((error: Error) => error);
    if (job instanceof Error) {
      row.state = 'error';
      row.message = `Rendered, but not placed: ${job.message}`;
      return this.renderClips();
    }
    const handles: PlaceRequest['handles'] = job.result?.handles ?? row.handles;
    const placed = await this.env.host.placeRefined({ id: row.clip.id, mediaPath: job.output.path, mode: row.mode, handles, sourcePath: row.clip.mediaPath });
    if (placed.ok) {
      row.state = 'placed';
      row.placedId = placed.data.id;
      row.message = undefined;
    } else {
      row.state = 'error';
      // The file is there: the editor can still bring it in by hand.
      row.message = `Rendered to ${job.output.path}, but not placed: ${placed.error.message}`;
    }
    this.renderClips();
  }

  private async revert(row: Row): Promise<void> {
    if (!row.placedId) return;
    const result = await this.env.host.revert({ id: row.placedId });
    if (result.ok) {
      row.state = 'reverted';
      row.message = undefined;
    } else {
      row.message = `Could not revert: ${result.error.message}`;
    }
    this.renderClips();
  }

  private async revertSelected(): Promise<void> {
    const selection = await this.env.host.getSelection();
    if (!selection.ok) return this.setStatus(selection.error.message);
    for (const clip of selection.data.clips) {
      const row = this.rows.find((r) => r.placedId === clip.id);
      if (row) await this.revert(row);
      else {
        const result = await this.env.host.revert({ id: clip.id });
        if (!result.ok) this.setStatus(`${clip.name}: ${result.error.message}`);
      }
    }
  }

  /** Shows what each look does to the current clip, one small frame at a time. */
  private async loadLookThumbnails(clip: Clip): Promise<void> {
    if (!this.client || this.lookClip === clip.id) return;
    this.lookClip = clip.id;
    this.lookThumbs.clear();
    const timeS = (clip.inS + clip.outS) / 2;
    for (const lut of this.luts) {
      if (this.lookClip !== clip.id) return;
      const shot = await this.client.call('preview.frame', { source: clip.mediaPath, timeS, steps: [{ op: 'lut', path: lut.name, strength: 1, interpolation: 'tetrahedral' }], maxWidth: 64 }).catch(() => undefined);
      if (!shot) return;
      this.lookThumbs.set(lut.name, shot.after);
      this.renderLooks();
    }
  }

  private renderLooks(): void {
    const strip = this.parts.recipe.querySelector('.looks');
    if (!strip) return;
    strip.replaceChildren(
      ...this.luts.filter((l) => this.lookThumbs.has(l.name)).map((l) => {
        const button = h('button', { class: `look${this.recipe.lut === l.name ? ' chosen' : ''}`, title: l.description, 'aria-label': `Look ${l.name}` },
          h('img', { src: `data:image/png;base64,${this.lookThumbs.get(l.name)}`, alt: '' }), h('span', {}, l.name));
        button.addEventListener('click', () => {
          this.recipe.lut = l.name;
          saveLastRecipe(this.env.storage, this.recipe);
          this.renderRecipe();
        });
        return button;
      }),
    );
  }

  private async showPreview(): Promise<void> {
    if (!this.client) return;
    const selection = await this.env.host.getSelection();
    if (!selection.ok) return this.setStatus(selection.error.message);
    const point = previewPoint(selection.data);
    if (!point) return this.setStatus('Select a clip to preview.');
    void this.loadLookThumbnails(point.clip);
    try {
      const shot = await this.client.call('preview.frame', { source: point.clip.mediaPath, timeS: point.timeS, steps: toSteps(this.recipe), maxWidth: PREVIEW_WIDTH });
      this.preview = { before: shot.before, after: shot.after };
    } catch (error) {
      this.setStatus(`Preview failed: ${(error as Error).message}`);
    }
    this.renderPreview();
  }

  private renderAll(): void {
    this.renderStatus();
    this.renderRecipe();
    this.renderPreview();
    this.renderClips();
  }

  private renderStatus(): void {
    const { status } = this.parts;
    status.className = `status ${this.status.ok ? 'ok' : 'problem'}`;
    status.replaceChildren(h('span', {}, this.status.text));
    if (this.status.fix) status.append(h('span', { class: 'fix' }, this.status.fix));
  }

  private renderRecipe(): void {
    const r = this.recipe;
    const has = (op: string) => SUPPORTED_OPS.has(op);
    const lutOptions: [string, string][] = [['', 'None'], ...this.luts.map((l): [string, string] => [l.name, l.name])];
    const named = Object.keys(namedRecipes(this.env.storage));
    const form = h(
      'div',
      { class: 'fields' },
      has('clean') && select('clean', r.clean, [['off', 'Off'], ['light', 'Light'], ['medium', 'Medium'], ['strong', 'Strong']], 'Clean'),
      has('deflicker') && h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'deflicker', checked: r.deflicker }), 'Deflicker'),
      has('face') && h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'face', checked: r.face }), 'Restore faces'),
      has('upscale') && select('upscale', r.upscale, [['off', 'Off'], ['2', '2×'], ['4', '4×']], 'Upscale'),
      has('lut') && select('lut', r.lut, lutOptions, 'Look'),
      has('lut') && h('div', { class: 'looks', role: 'group', 'aria-label': 'Looks on this clip' }),
      has('lut') &&
        h('label', { class: 'field', for: 'lutStrength' }, h('span', {}, `Strength ${Math.round(r.lutStrength * 100)}%`),
          h('input', { type: 'range', id: 'lutStrength', min: 0, max: 100, value: Math.round(r.lutStrength * 100), 'aria-label': 'Look strength' })),
      select('mode', r.mode, [['replace', 'Replace'], ['stack', 'Stack above'], ['relink', 'Relink media']], 'Place'),
      select('codec', r.codec, [['prores', 'ProRes 422 HQ'], ['dnxhr', 'DNxHR HQX'], ['h264', 'H.264'], ['ffv1', 'FFV1 lossless']], 'Codec'),
      h('label', { class: 'field', for: 'handles' }, h('span', {}, 'Handles'), h('input', { type: 'number', id: 'handles', min: 0, max: 240, value: r.handles })),
      h('label', { class: 'field wide', for: 'outputDir' }, h('span', {}, 'Output folder'), h('input', { type: 'text', id: 'outputDir', value: r.outputDir, placeholder: 'beside the source' })),
      h('div', { class: 'named' },
        select('recipeName', '', [['', 'Saved recipes…'], ...named.map((n): [string, string] => [n, n])], 'Saved recipes'),
        h('button', { id: 'saveRecipe' }, 'Save as…')),
    );
    form.addEventListener('change', (event) => this.onRecipeInput(event.target as HTMLInputElement));
    form.addEventListener('input', (event) => {
      const target = event.target as HTMLInputElement;
      if (target.id === 'lutStrength') target.previousElementSibling!.textContent = `Strength ${target.value}%`;
    });
    form.querySelector('#saveRecipe')!.addEventListener('click', () => {
      const name = (globalThis.prompt?.('Name this recipe') ?? '').trim();
      if (name) {
        saveNamedRecipe(this.env.storage, name, this.recipe);
        this.renderRecipe();
      }
    });
    this.parts.recipe.replaceChildren(form);
    this.renderLooks();
  }

  private onRecipeInput(target: HTMLInputElement): void {
    const r = this.recipe as unknown as Record<string, unknown>;
    if (target.id === 'recipeName') {
      const chosen = namedRecipes(this.env.storage)[target.value];
      if (chosen) this.recipe = { ...this.recipe, ...chosen };
      return this.renderRecipe();
    }
    if (target.type === 'checkbox') r[target.id] = target.checked;
    else if (target.id === 'lutStrength') r.lutStrength = Number(target.value) / 100;
    else if (target.id === 'handles') r.handles = Math.max(0, Math.round(Number(target.value) || 0));
    else r[target.id] = target.value;
    saveLastRecipe(this.env.storage, this.recipe);
  }

  private renderPreview(): void {
    const { preview } = this.parts;
    if (!this.preview) return preview.replaceChildren();
    const slider = h('input', { type: 'range', id: 'split', min: 0, max: 100, value: this.split, 'aria-label': 'Before/after split' });
    const afterImage = h('img', { src: `data:image/png;base64,${this.preview.after}`, alt: 'after' });
    const after = h('div', { class: 'after', style: `width: ${this.split}%` }, afterImage);
    const before = h('img', { src: `data:image/png;base64,${this.preview.before}`, alt: 'before' });
    // The after picture keeps the frame's full width; its box shows the left part of it.
    const fit = () => (afterImage.style.width = `${before.clientWidth}px`);
    before.addEventListener('load', fit);
    globalThis.addEventListener?.('resize', fit);
    slider.addEventListener('input', () => {
      this.split = Number(slider.value);
      after.style.width = `${this.split}%`;
    });
    preview.replaceChildren(
      h('div', { class: 'frame' }, before, after),
      h('div', { class: 'split' }, h('span', {}, 'After'), slider, h('span', {}, 'Before')),
    );
  }

  private renderClips(): void {
    this.storePending();
    // Rows are updated in place, so progress never moves the layout or a button under the pointer.
    const keep = new Set(this.rows.map((r) => r.clip.id));
    for (const [id, view] of this.rowViews) if (!keep.has(id)) (view.el.remove(), this.rowViews.delete(id));
    let previous: Element | null = null;
    for (const row of this.rows) {
      const view = this.rowViews.get(row.clip.id) ?? this.createRowView(row);
      this.updateRowView(row, view);
      // Moving a node that is already in place would cancel a click in progress on it.
      const expected: Element | null = previous ? previous.nextElementSibling : this.parts.clips.firstElementChild;
      if (expected !== view.el) this.parts.clips.insertBefore(view.el, expected);
      previous = view.el;
    }
  }

  /** Keeps the rows whose placing is still to come (or was under way) for the panel's next start. */
  private storePending(): void {
    // Until restored, the stored rows are the last run's, not to be overwritten.
    if (this.storedPending === undefined) return;
    const pending = this.rows
      .filter(isPending)
      .map((r): Pending => ({ clip: r.clip, jobId: r.jobId!, mode: r.mode, handles: r.handles, ...(r.state === 'placing' ? { placing: true } : {}) }));
    this.storedPending = savePending(this.env.storage, pending, this.storedPending);
  }

  private createRowView(row: Row): RowView {
    const thumb = h('img', { class: 'thumb', alt: '' });
    const fill = h('div', {});
    const bar = h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill);
    const detail = h('div', { class: 'detail' });
    const message = h('div', { class: 'message', role: 'alert' });
    const actions = h('div', { class: 'row-actions' });
    const el = h(
      'div',
      { class: 'clip', 'data-clip': row.clip.id },
      thumb,
      h('div', { class: 'body' }, h('div', { class: 'name' }, h('span', {}, row.clip.name), h('span', { class: 'muted' }, duration(row.clip.outS - row.clip.inS))), bar, detail, message),
      actions,
    );
    const view: RowView = { el, thumb, bar, fill, detail, message, actions, actionKey: '' };
    this.rowViews.set(row.clip.id, view);
    return view;
  }

  private updateRowView(row: Row, view: RowView): void {
    const p = row.progress;
    const pct = ['placed', 'done', 'placing'].includes(row.state) ? 100 : p && p.total ? Math.round((p.frame / p.total) * 100) : 0;
    view.el.className = `clip ${row.state}`;
    if (row.thumbnail) view.thumb.src = `data:image/png;base64,${row.thumbnail}`;
    view.bar.setAttribute('aria-valuenow', String(pct));
    view.fill.style.width = `${pct}%`;
    view.detail.textContent =
      row.state === 'running' && p ? `${p.frame}/${p.total} · ${p.fps.toFixed(1)} fps · ${p.etaS === null ? '–' : `${Math.ceil(p.etaS)} s left`}` : STATE_WORDS[row.state];
    view.message.textContent = row.message ?? '';
    const actions: [string, string, () => void][] = [];
    if (['queued', 'running'].includes(row.state)) actions.push(['cancel', 'Cancel', () => void this.jobCall('jobs.cancel', row)]);
    if (['failed', 'cancelled', 'interrupted'].includes(row.state) && row.jobId) actions.push(['retry', 'Retry', () => void this.jobCall('jobs.retry', row)]);
    if (row.state === 'placed') actions.push(['revert', 'Revert', () => void this.revert(row)]);
    const key = actions.map((a) => a[0]).join();
    if (key === view.actionKey) return;
    view.actionKey = key;
    view.actions.replaceChildren(
      ...actions.map(([cls, label, act]) => {
        const button = h('button', { class: cls }, label);
        button.addEventListener('click', act);
        return button;
      }),
    );
  }

  private async jobCall(method: 'jobs.cancel' | 'jobs.retry', row: Row): Promise<void> {
    try {
      await this.client?.call(method, { jobId: row.jobId! });
    } catch (error) {
      row.message = (error as Error).message;
      this.renderClips();
    }
  }
}

interface RowView {
  el: HTMLElement;
  thumb: HTMLImageElement;
  bar: HTMLElement;
  fill: HTMLElement;
  detail: HTMLElement;
  message: HTMLElement;
  actions: HTMLElement;
  actionKey: string;
}
