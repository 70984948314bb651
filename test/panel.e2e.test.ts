// The built CEP panel in real headless Chromium: CEP's __adobe_cep__ is a shim whose
// evalScript runs the real host-scripts/premiere.jsx in the Premiere simulator, and the
// companion is the real one. What an editor does: refine two clips, revert one.
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKS_PER_SECOND } from '../src/host/contract.js';
import { MediaLibrary } from './host-sim/media.js';
import { PremiereScriptHost } from './host-sim/premiere-extendscript.js';
import { PremiereProject, type TrackItem } from './host-sim/premiere-model.js';
import { type Companion, startCompanion } from './support/companion.js';
import { REPO, ffprobe, makeClip, tempDir } from './support/media.js';

// REFINERY_SCREENSHOTS=docs keeps the screenshots (the README shows two of them).
const shots = () => process.env.REFINERY_SCREENSHOTS ?? dir;
const PANEL = pathToFileURL(join(REPO, 'dist', 'cep', 'index.html')).href;
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A host that can decode any real file: media is read with ffprobe when first imported. */
class ProbingLibrary extends MediaLibrary {
  override read(path: string) {
    const known = super.read(path);
    if (known) return known;
    try {
      const out = execFileSync(ffprobe(), ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', path], { encoding: 'utf8' });
      const streams = JSON.parse(out).streams as { codec_type: string; r_frame_rate: string; nb_read_frames: string }[];
      const video = streams.find((s) => s.codec_type === 'video')!;
      const [num, den] = video.r_frame_rate.split('/').map(Number) as [number, number];
      const info = { frames: Number(video.nb_read_frames), rate: [num, den] as [number, number], hasAudio: streams.some((s) => s.codec_type === 'audio') };
      this.add(path, info);
      return info;
    } catch {
      return undefined;
    }
  }
}

let dir: string;
let browser: Browser;
let companion: Companion;

beforeAll(async () => {
  dir = await tempDir('refinery-panel-');
  companion = await startCompanion(join(dir, 'state'));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
  await companion?.stop();
});

interface Scene {
  host: PremiereScriptHost;
  project: PremiereProject;
  clips: TrackItem[];
}

async function scene(files: { name: string; seconds: number; size?: string }[]): Promise<Scene> {
  const media = new ProbingLibrary();
  const project = new PremiereProject(media, 'Show.prproj');
  const bin = project.addBin('Footage');
  const seq = project.addSequence('Edit', [25, 1], 3, 2);
  const clips: TrackItem[] = [];
  for (const [i, f] of files.entries()) {
    const path = await makeClip(join(dir, f.name), { fps: '25', seconds: f.seconds, size: f.size ?? '320x180', tagged: true });
    media.read(path);
    const clip = project.addClip(seq, project.addClipItem(path, bin), { track: i, startFrame: 25 + 10 * i, inFrame: 5, frames: 25, audio: true });
    clip.selected = true;
    clips.push(clip);
  }
  return { host: new PremiereScriptHost(project), project, clips };
}

const VIEWPORT = { width: 340, height: 720 };

/**
 * Loads the built panel with the CEP shim; `companionFile` undefined = the companion is not
 * running. Pages of one `context` share the panel's storage, as the host's panel does from run to run.
 */
async function openPanel(host: PremiereScriptHost, companionFile: string | undefined, context?: BrowserContext): Promise<Page> {
  const page = context ? await context.newPage() : await browser.newPage({ viewport: VIEWPORT });
  await page.exposeFunction('__refineryEvalScript', (script: string) => {
    // The panel asks CEP to load its host script; the simulator has it loaded already.
    if (script.startsWith('$.evalFile(')) return 'true';
    return new Promise<string>((resolve) => host.evalScript(script, resolve));
  });
  await page.addInitScript(
    ({ companionJson, stateDir }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__adobe_cep__ = {
        evalScript: (script: string, callback: (r: string) => void) =>
          (w.__refineryEvalScript as (s: string) => Promise<string>)(script).then(callback),
        getHostEnvironment: () =>
          JSON.stringify({ appName: 'PPRO', appVersion: '24.6.1', appSkinInfo: { baseFontSize: 12, panelBackgroundColor: { color: { red: 38, green: 38, blue: 38 } } } }),
        getSystemPath: () => 'file:///extension',
        addEventListener: () => undefined,
      };
      // A light recipe keeps these renders quick; the steps have tests of their own.
      localStorage.setItem('refinery.recipe.last', JSON.stringify({ clean: 'off', deflicker: false }));
      const file = `${stateDir}/companion.json`;
      // What companion.json holds; a test that restarts the companion sets it anew.
      w.__companionJson = companionJson;
      w.cep_node = {
        process: { env: { REFINERY_HOME: stateDir } },
        require: (name: string) => {
          if (name === 'os') return { homedir: () => '/home/editor', platform: () => 'linux' };
          if (name === 'fs') return { existsSync: (p: string) => p === file && w.__companionJson !== null, readFileSync: () => w.__companionJson };
          throw new Error(`module ${name} is not available in this test`);
        },
      };
    },
    { companionJson: companionFile ?? null, stateDir: join(dir, 'state') },
  );
  await page.goto(PANEL);
  return page;
}

const secondsAt = (ticks: number) => ticks / TICKS_PER_SECOND;

describe('the panel in Chromium', () => {
  it('refines two selected clips, places both at the same sequence time, and reverts one', async () => {
    const { host, project, clips } = await scene([{ name: 'shot-a.mp4', seconds: 2 }, { name: 'shot-b.mp4', seconds: 2 }]);
    const before = clips.map((c) => ({ start: c.start, end: c.end }));
    const page = await openPanel(host, await readFile(join(dir, 'state', 'companion.json'), 'utf8'));
    await page.getByText(/^Ready — companion/).waitFor();
    // Upscale is a native select (Off / 2× / 4×) kept with the recipe; off here to keep the render quick.
    expect(await page.locator('#upscale option').allTextContents()).toEqual(['Off', '2×', '4×']);
    await page.selectOption('#upscale', '2');
    expect(JSON.parse((await page.evaluate(() => localStorage.getItem('refinery.recipe.last')))!).upscale).toBe('2');
    await page.selectOption('#upscale', 'off');
    await page.selectOption('#lut', 'teal-orange');
    await page.fill('#handles', '4');
    await page.locator('#handles').dispatchEvent('change');
    await page.click('#refine');
    await page.locator('.clip').nth(1).waitFor();
    await page.screenshot({ path: join(shots(), 'panel-refining.png') });
    await page.locator('.clip.placed').nth(1).waitFor({ timeout: 60_000 });
    // Each look, applied to the clip, is offered as a thumbnail; choosing one selects it.
    await page.locator('.look').nth(7).waitFor({ timeout: 30_000 });
    await page.locator('.look', { hasText: 'monochrome' }).click();
    expect(await page.locator('#lut').inputValue()).toBe('monochrome');
    // The before/after preview, at the playhead inside the second clip.
    for (const track of project.active!.video) for (const c of track.clips) c.selected = true;
    project.active!.playerPosition = before[1]!.start + 10 * project.active!.ticksPerFrame;
    await page.click('#show-preview');
    await page.locator('.preview img[alt="after"]').waitFor();
    await page.screenshot({ path: join(shots(), 'panel-placed.png') });

    const seq = project.active!;
    for (const [i, original] of before.entries()) {
      const placed = seq.video[i]!.clips.find((c) => c.start === original.start)!;
      expect(placed.item.path).toMatch(/shot-[ab]\.refined\.mov$/);
      expect(placed.end).toBe(original.end);
      // The refined file starts 4 handle frames before the original in point (frame 5 → 1).
      expect(secondsAt(placed.inPoint)).toBeCloseTo(4 / 25, 6);
    }
    await page.locator('.clip.placed .revert').first().click();
    await page.locator('.clip.reverted').waitFor();
    const restored = seq.video[0]!.clips.find((c) => c.start === before[0]!.start)!;
    expect(restored.item.path).toMatch(/shot-a\.mp4$/);
    expect(secondsAt(restored.inPoint)).toBeCloseTo(5 / 25, 6);
    expect(await page.locator('.clip.placed').count()).toBe(1);
    await page.close();
  }, 120_000);

  it('says plainly when the companion is not running, and how to start it', async () => {
    const { host } = await scene([{ name: 'lonely.mp4', seconds: 1 }]);
    const page = await openPanel(host, undefined);
    await page.getByText('The Refinery companion is not running.').waitFor();
    await expect(page.locator('.status .fix').textContent()).resolves.toMatch(/npx refinery companion/);
    await page.close();
  });

  it('shows a failure next to the clip it concerns, and cancels a running job', async () => {
    const { host, clips } = await scene([{ name: 'broken.mp4', seconds: 1 }, { name: 'long.mp4', seconds: 12, size: '1280x720' }]);
    // The host still sees the file; the companion finds it is no longer a video.
    await writeFile(clips[0]!.item.path!, 'truncated by a failed download');
    // The long clip uses all of its media, so the render takes a while.
    clips[1]!.outPoint = clips[1]!.inPoint + 11 * TICKS_PER_SECOND;
    const page = await openPanel(host, await readFile(join(dir, 'state', 'companion.json'), 'utf8'));
    await page.getByText(/^Ready — companion/).waitFor();
    await page.click('#refine');
    const failed = page.locator('.clip.error .message');
    await failed.waitFor();
    expect(await failed.textContent()).toMatch(/params\.source: .*not a video file/);
    await page.locator('.clip.running .cancel').click({ timeout: 30_000 });
    await page.locator('.clip.cancelled').waitFor().catch(async (error) => {
      throw new Error(`${error.message}\nrows: ${await page.locator('.clips').innerText()}`);
    });
    await page.close();
  }, 120_000);

  it('places a clip that finished rendering while the panel was closed when it opens again, as it was sent', async () => {
    const { host, project, clips } = await scene([{ name: 'overnight.mp4', seconds: 5, size: '1280x720' }]);
    clips[0]!.outPoint = clips[0]!.inPoint + 4 * TICKS_PER_SECOND;
    const { start, end } = clips[0]!;
    const companionFile = await readFile(join(dir, 'state', 'companion.json'), 'utf8');
    const context = await browser.newContext({ viewport: VIEWPORT });
    const first = await openPanel(host, companionFile, context);
    await first.getByText(/^Ready — companion/).waitFor();
    await first.selectOption('#mode', 'stack');
    await first.click('#refine');
    await first.locator('.clip.queued, .clip.running').waitFor();
    // The recipe changes after sending; the clip is still placed as it was sent.
    await first.selectOption('#mode', 'replace');
    await first.close();

    const output = join(dir, 'overnight.refined.mov');
    for (const deadline = Date.now() + 60_000; !(await stat(output).catch(() => undefined)); ) {
      if (Date.now() > deadline) throw new Error(`${output} was not rendered`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const second = await openPanel(host, companionFile, context);
    await second.locator('.clip.placed').waitFor({ timeout: 30_000 });
    const seq = project.active!;
    // Stacked: the original stays on its track, the refined clip plays above it at the same time.
    expect(seq.video[0]!.clips.find((c) => c.start === start)!.item.path).toMatch(/overnight\.mp4$/);
    const stacked = seq.video[1]!.clips.find((c) => c.start === start)!;
    expect(stacked.item.path).toBe(output);
    expect(stacked.end).toBe(end);
    // Placed once: nothing is left pending for the next start.
    expect(await second.evaluate(() => localStorage.getItem('refinery.jobs.pending'))).toBe('[]');
    await context.close();
  }, 120_000);

  it('reconnects to a restarted companion by itself and shows what became of the job meanwhile', async () => {
    const { host, project, clips } = await scene([{ name: 'restart.mp4', seconds: 12, size: '1280x720' }]);
    clips[0]!.outPoint = clips[0]!.inPoint + 11 * TICKS_PER_SECOND;
    const stateDir = join(dir, 'state');
    const page = await openPanel(host, await readFile(join(stateDir, 'companion.json'), 'utf8'));
    await page.getByText(/^Ready — companion/).waitFor();
    await page.click('#refine');
    await page.locator('.clip.running').waitFor({ timeout: 30_000 });
    // The companion goes away mid-render, and another starts on the same state folder.
    await companion.stop('SIGKILL');
    await page.getByText(/^Lost the Refinery companion: .*Reconnecting…/).waitFor();
    companion = await startCompanion(stateDir);
    const info = await readFile(join(stateDir, 'companion.json'), 'utf8');
    await page.evaluate((json) => ((window as unknown as Record<string, unknown>).__companionJson = json), info);
    await page.getByText(/^Ready — companion/).waitFor({ timeout: 30_000 });
    // The render was cut off: its row says so and offers a retry, which renders and places it.
    await page.locator('.clip.interrupted .retry').click({ timeout: 30_000 });
    await page.locator('.clip.placed').waitFor({ timeout: 90_000 });
    expect(project.active!.video[0]!.clips.find((c) => c.start === clips[0]!.start)!.item.path).toMatch(/restart\.refined\.mov$/);
    await page.close();
  }, 180_000);
});
