// Companion figures for `npm run bench`: preview latency on 1080p sources (full size with a
// LUT; at the panel's width with clean + LUT: a clip's first look far into a long GOP, any frame once the
// clip's preview proxy is built, another look at the same frame), submit→done time of a tiny
// job (the queue's own overhead), and how fast a notification follows a request.
import { spawn } from 'node:child_process';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { PREVIEW_WIDTH } from '../src/panel/playhead.js';

interface Rpc {
  call(method: string, params?: unknown): Promise<any>;
  waitFor(predicate: (params: any) => boolean): Promise<number>;
  close(): void;
}

async function client(port: number, token: string): Promise<Rpc> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const pending = new Map<number, (m: any) => void>();
  const watchers: { predicate: (p: any) => boolean; resolve: (t: number) => void }[] = [];
  ws.on('message', (data) => {
    const at = performance.now();
    const message = JSON.parse(String(data));
    if (message.id !== undefined) pending.get(message.id)?.(message);
    else for (const w of watchers.splice(0).filter((w) => (w.predicate(message.params) ? (w.resolve(at), false) : true))) watchers.push(w);
  });
  let id = 0;
  const rpc: Rpc = {
    call: (method, params) =>
      new Promise((resolve, reject) => {
        const n = ++id;
        pending.set(n, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, params }));
      }),
    waitFor: (predicate) => new Promise((resolve) => watchers.push({ predicate, resolve })),
    close: () => ws.close(),
  };
  await rpc.call('session.hello', { token });
  return rpc;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Waits until the state folder holds `count` finished preview proxies and none is being
 * built, so that no proxy build (the 1080p clip's is most of a gigabyte) runs beside a
 * measurement.
 */
async function proxiesSettled(stateDir: string, count: number): Promise<void> {
  const folder = join(stateDir, 'cache', 'previews');
  for (;;) {
    const names = await readdir(folder).catch(() => [] as string[]);
    if (names.filter((n) => n.endsWith('.rgb48')).length >= count && !names.some((n) => n.endsWith('.partial'))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `longGop`: a 1080p clip of several seconds in one GOP, as generators deliver them. */
export async function benchCompanion(cli: string, dir: string, clip1080: string, tinyClip: string, longGop: string) {
  const stateDir = join(dir, 'companion-state');
  const child = spawn(process.execPath, [cli, 'companion', '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => /listening/.test(String(d)) && resolve()));
    const info = JSON.parse(await readFile(join(stateDir, 'companion.json'), 'utf8'));
    const rpc = await client(info.port, info.token);

    const steps = [{ op: 'lut', path: 'teal-orange' }];
    const withClean = [{ op: 'clean', strength: 'medium' }, ...steps];
    const timed = async (params: object) => {
      const t = performance.now();
      await rpc.call('preview.frame', params);
      return performance.now() - t;
    };
    await timed({ source: clip1080, timeS: 0, steps: withClean, maxWidth: 1920 });
    const previews: number[] = [];
    for (const timeS of [0.5, 1, 1.5, 2, 2.5]) previews.push(await timed({ source: clip1080, timeS, steps, maxWidth: 1920 }));

    // The panel's view. Each copy is a clip seen for the first time; its proxy is left to
    // finish before the next, so no build runs beside a measurement.
    await proxiesSettled(stateDir, 1);
    const firstLooks: number[] = [];
    for (const [i, timeS] of [5.5, 3.2, 6.8, 4.4, 7.6].entries()) {
      const copy = join(dir, `long-gop-${i}.mp4`);
      await copyFile(longGop, copy);
      firstLooks.push(await timed({ source: copy, timeS, steps: withClean, maxWidth: PREVIEW_WIDTH }));
      await proxiesSettled(stateDir, i + 2);
    }
    const anyFrame: number[] = [];
    const recipeChanges: number[] = [];
    for (const timeS of [6.1, 0.7, 4.9, 2.3, 7.4]) {
      // The newest proxy: older ones may have left for the cache budget.
      const source = join(dir, 'long-gop-4.mp4');
      anyFrame.push(await timed({ source, timeS, steps: withClean, maxWidth: PREVIEW_WIDTH }));
      recipeChanges.push(await timed({ source, timeS, steps: [{ op: 'clean', strength: 'medium' }, { op: 'lut', path: 'vivid' }], maxWidth: PREVIEW_WIDTH }));
    }

    const jobs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const { jobId } = await rpc.call('jobs.submit', { source: tinyClip, steps: [], output: { dir } });
      const doneAt = await rpc.waitFor((p) => p.jobId === jobId && p.state === 'done');
      jobs.push(doneAt - t);
    }

    // Cancelling a queued job is immediate, so request → notification measures the path itself.
    const blocker = await rpc.call('jobs.submit', { source: clip1080, steps, output: { dir } });
    const notify: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { jobId } = await rpc.call('jobs.submit', { source: tinyClip, steps: [], output: { dir } });
      const t = performance.now();
      const heard = rpc.waitFor((p) => p.jobId === jobId && p.state === 'cancelled');
      await rpc.call('jobs.cancel', { jobId });
      notify.push((await heard) - t);
    }
    await rpc.call('jobs.cancel', { jobId: blocker.jobId });
    rpc.close();
    return {
      previewMs: median(previews),
      firstLookMs: median(firstLooks),
      panelPreviewMs: median(anyFrame),
      recipeChangeMs: median(recipeChanges),
      jobMs: median(jobs),
      notificationMs: median(notify),
    };
  } finally {
    child.kill('SIGTERM');
  }
}
