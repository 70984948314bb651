// Hostile input and load: the companion answers or refuses every message, stays up, and
// loses or duplicates no job.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Companion, connect, open, startCompanion, waitFor } from './support/companion.js';
import { makeClip, tempDir } from './support/media.js';

let dir: string;
let companion: Companion;
let clip: string;

beforeAll(async () => {
  dir = await tempDir('refinery-robust-');
  clip = await makeClip(join(dir, 'tiny.mp4'), { fps: '25', seconds: 0.12, size: '64x64', audio: false });
  companion = await startCompanion(join(dir, 'state'), ['--concurrency', '2']);
});

afterAll(async () => {
  await companion?.stop();
});

/** A deterministic generator of malformed and hostile messages. */
function hostileMessages(count: number): string[] {
  let seed = 20261124;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const deep = (n: number): unknown => (n ? { a: [deep(n - 1)] } : 1);
  const values: unknown[] = [
    null, true, -1, 1e308, 'x'.repeat(100_000), [], {}, deep(500), '../../../../etc/passwd', '/dev/zero',
    '\u0000', { __proto__: { polluted: true } }, 'ws://10.0.0.1:80', 'http://169.254.169.254/', '%00', -0,
  ];
  const pick = () => values[rand(values.length)];
  const methods = ['jobs.submit', 'jobs.get', 'jobs.cancel', 'jobs.retry', 'preview.frame', 'system.info', 'nope', '__proto__', 'constructor', 'toString'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    switch (rand(8)) {
      case 0: out.push('{"jsonrpc":"2.0","id":'); break;
      case 1: out.push(JSON.stringify(pick())); break;
      case 2: out.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: methods[rand(methods.length)], params: pick() })); break;
      case 3: out.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'jobs.submit', params: { source: pick(), steps: pick() } })); break;
      case 4: out.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'jobs.submit', params: { source: '../../../../etc/passwd', steps: [] } })); break;
      case 5: out.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'preview.frame', params: { source: '/dev/zero', timeS: pick(), steps: [] } })); break;
      case 6: out.push(JSON.stringify({ jsonrpc: '2.0', id: pick(), method: pick() })); break;
      default: out.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'jobs.submit', params: { source: clip, steps: [{ op: 'lut', path: pick() }] } }));
    }
  }
  return out;
}

describe('hostile messages', () => {
  it('500 malformed or hostile messages on several sockets each get an error or a refusal; service goes on', async () => {
    const messages = hostileMessages(500);
    const sockets = await Promise.all([0, 1, 2, 3].map(() => connect(companion.info)));
    // One message in flight per socket, so each reply is known to answer it; job.updated
    // notifications (from any valid submit) are not replies.
    const answer = (client: (typeof sockets)[number], text: string) =>
      new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve(`no answer to ${text.slice(0, 80)}`), 20_000);
        const onMessage = (data: unknown) => {
          const reply = JSON.parse(String(data));
          if (reply.method) return;
          client.ws.off('message', onMessage);
          clearTimeout(timer);
          resolve(reply.error ? `error ${reply.error.code}` : 'result');
        };
        client.ws.on('message', onMessage);
        client.ws.send(text);
      });
    const outcomes = (
      await Promise.all(
        sockets.map(async (client, s) => {
          const mine: string[] = [];
          for (let i = s; i < messages.length; i += sockets.length) mine.push(await answer(client, messages[i]!));
          return mine;
        }),
      )
    ).flat();
    expect(outcomes).toHaveLength(500);
    expect(outcomes.filter((o) => o.startsWith('no answer'))).toEqual([]);
    expect(outcomes.filter((o) => o.startsWith('error')).length).toBeGreaterThan(450);
    for (const client of sockets) expect(client.ws.readyState).toBe(1);
    for (const client of sockets) client.close();

    // Hostile headers at the upgrade.
    for (const headers of [{ Host: '10.0.0.1' }, { Host: 'localhost.evil.example' }, { Origin: 'http://localhost:3000' }, { Origin: 'chrome-extension://abc' }]) {
      await expect(open(companion.info.port, headers)).rejects.toMatchObject({ status: 403 });
    }

    const healthy = await connect(companion.info);
    expect((await healthy.call('system.info')).pid).toBe(companion.info.pid);
    const jobs = (await healthy.call('jobs.list')).jobs;
    // Nothing hostile was queued: the only sources that could be are the real clip's.
    expect(jobs.every((j: { source: string }) => j.source === clip)).toBe(true);
    healthy.close();
  }, 120_000);
});

describe('load', () => {
  it('10 clients queue 100 jobs: all finish, none lost or duplicated, every client hears every job', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => connect(companion.info)));
    const started = Date.now();
    const ids = (
      await Promise.all(
        clients.map((client, c) =>
          Promise.all(
            Array.from({ length: 10 }, (_, k) =>
              client.call('jobs.submit', { source: clip, steps: k % 2 ? [{ op: 'lut', path: 'vivid' }] : [], output: { dir: join(dir), codec: c % 2 ? 'h264' : 'prores' } }),
            ),
          ),
        ),
      )
    )
      .flat()
      .map((r) => r.jobId as string);
    expect(new Set(ids).size).toBe(100);
    await waitFor(
      () => clients.every((client) => ids.every((id) => client.notifications.some((n) => n.params.jobId === id && n.params.state === 'done'))),
      'every job done on every client',
      300_000,
    );
    const jobs = (await clients[0]!.call('jobs.list', { state: 'done' })).jobs.filter((j: { id: string }) => ids.includes(j.id));
    expect(jobs).toHaveLength(100);
    expect(new Set(jobs.map((j: { output: { path: string } }) => j.output.path)).size).toBe(100);
    for (const client of clients) {
      const done = client.notifications.filter((n) => n.params.state === 'done' && ids.includes(n.params.jobId));
      expect(done).toHaveLength(100);
    }
    console.log(`100 jobs through the companion in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const client of clients) client.close();
  }, 320_000);
});
