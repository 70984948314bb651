// The companion as the panel meets it: a real process, real sockets, real renders.
import { stat, readdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Companion, connect, open, startCompanion, waitFor } from './support/companion.js';
import { makeClip, tempDir } from './support/media.js';

let dir: string;
let companion: Companion;
let clip: string;
let longClip: string;

beforeAll(async () => {
  dir = await tempDir('refinery-companion-');
  clip = await makeClip(join(dir, 'shot.mp4'), { fps: '25', seconds: 1, size: '320x180', tagged: true });
  longClip = await makeClip(join(dir, 'long.mp4'), { fps: '25', seconds: 20, size: '640x360', tagged: true });
  companion = await startCompanion(join(dir, 'state'));
});

afterAll(async () => {
  await companion?.stop();
});

describe('who may connect', () => {
  it('writes companion.json for the user only and listens on loopback only', async () => {
    expect((await stat(join(dir, 'state', 'companion.json'))).mode & 0o777).toBe(0o600);
    expect(companion.info.token).toMatch(/^[0-9a-f]{64}$/);
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) {
      const refused = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://${external.address}:${companion.info.port}`);
        ws.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        ws.on('open', () => resolve('open'));
      });
      expect(refused).toBe('ECONNREFUSED');
    }
  });

  it('refuses a web page origin and a non-loopback Host with 403', async () => {
    await expect(open(companion.info.port, { Origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    await expect(open(companion.info.port, { Host: 'attacker.example:80' })).rejects.toMatchObject({ status: 403 });
    for (const origin of ['file://', 'null', 'uxp://com.refinery.panel']) {
      const client = await open(companion.info.port, { Origin: origin });
      client.close();
    }
  });

  it('closes with 4401 on a wrong token, or a first message that is not session.hello', async () => {
    const wrong = await open(companion.info.port);
    wrong.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.hello', params: { token: 'f'.repeat(64) } }));
    expect((await wrong.closed).code).toBe(4401);
    const early = await open(companion.info.port);
    early.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'jobs.list' }));
    expect((await early.closed).code).toBe(4401);
    const garbage = await open(companion.info.port);
    garbage.ws.send('{not json');
    expect((await garbage.closed).code).toBe(4401);
  });

  it('refuses a message over the size limit', async () => {
    const client = await connect(companion.info);
    client.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'jobs.list', params: { pad: 'x'.repeat(2 << 20) } }));
    expect((await client.closed).code).toBe(1009);
  });
});

describe('methods', () => {
  it('answers hello, system.info, luts.list, models.list and jobs.list', async () => {
    const client = await connect(companion.info);
    const info = await client.call('system.info');
    expect(info).toMatchObject({ protocol: 1, queueLength: 0, stateDir: join(dir, 'state') });
    expect(info.encoders).toMatchObject({ prores_ks: true, dnxhd: true, libx264: true, ffv1: true });
    expect((await client.call('luts.list')).luts.length).toBeGreaterThanOrEqual(8);
    expect((await client.call('models.list')).models.filter((m: { origin: string }) => m.origin === 'user')).toEqual([]);
    expect(await client.call('jobs.list', {})).toHaveProperty('jobs');
    client.close();
  });

  it('names the bad field in every refusal and queues nothing', async () => {
    const client = await connect(companion.info);
    const before = (await client.call('jobs.list')).jobs.length;
    const refusals: [unknown, string][] = [
      [{ steps: [] }, 'params.source'],
      [{ source: 42, steps: [] }, 'params.source'],
      [{ source: clip, steps: [{ op: 'lut', path: 'teal-orange', strength: 3 }] }, 'params.steps.0.strength'],
      [{ source: clip, steps: [{ op: 'sharpen' }] }, 'params.steps.0.op'],
      [{ source: clip, steps: [], extra: 1 }, 'params'],
      [{ source: join(dir, 'missing.mov'), steps: [] }, 'params.source'],
      [{ source: join(dir, 'state', 'companion.json'), steps: [] }, 'params.source'],
      [{ source: clip, steps: [], range: { inS: 0.5, outS: 9 } }, 'params.range'],
      [{ source: clip, steps: [], range: { inS: 0.5, outS: 0.2 } }, 'params.range.outS'],
      [{ source: clip, steps: [{ op: 'lut', path: 'no-such-look' }] }, 'params.steps.0.path'],
      [{ source: clip, steps: [{ op: 'lut', path: 'teal-orange' }, { op: 'upscale', scale: 2, model: 'no-such-net' }] }, 'params.steps.1.model'],
      [{ source: clip, steps: [{ op: 'upscale', scale: 4, model: 'refinery-clean' }] }, 'params.steps.0.model'],
      [{ source: clip, steps: [{ op: 'face', model: 'gfpgan-1.4' }] }, 'params.steps.0.model'],
      [{ source: clip, steps: [], output: { dir: join(dir, 'nowhere') } }, 'params.output'],
      [{ source: clip, steps: [], output: { path: clip } }, 'params.output'],
      [{ source: clip, steps: [], output: { codec: 'cinepak' } }, 'params.output.codec'],
    ];
    for (const [params, field] of refusals) {
      const error = await client.call('jobs.submit', params).catch((e) => e);
      expect(error.code, JSON.stringify(params)).toBe(-32602);
      expect(error.message.startsWith(`${field}:`) || error.message.startsWith(`${field}.`), `${error.message} should name ${field}`).toBe(true);
    }
    expect((await client.call('jobs.list')).jobs.length).toBe(before);
    expect(await client.request({ jsonrpc: '2.0', id: 5, method: 'jobs.explode' })).toMatchObject({ error: { code: -32601 } });
    expect(await client.request('[1, 2')).toMatchObject({ id: null, error: { code: -32700 } });
    expect(await client.request({ jsonrpc: '1.0', id: 6, method: 'jobs.list' })).toMatchObject({ id: 6, error: { code: -32600 } });
    expect(await client.call('jobs.get', { jobId: 'nope' }).catch((e) => e)).toMatchObject({ code: -32004 });
    client.close();
  });

  it('runs a job end to end and announces queued → running → done in order', async () => {
    const client = await connect(companion.info);
    const { jobId } = await client.call('jobs.submit', {
      source: clip,
      range: { inS: 0.2, outS: 0.8 },
      handles: 2,
      steps: [{ op: 'lut', path: 'film-print-warm', strength: 0.8 }],
      output: { dir, codec: 'prores' },
    });
    const done = await waitFor(() => client.notifications.find((n) => n.params.jobId === jobId && n.params.state === 'done'), 'done');
    const states = client.notifications.filter((n) => n.params.jobId === jobId).map((n) => n.params.state);
    expect(states[0]).toBe('queued');
    expect(states.indexOf('running')).toBeGreaterThan(0);
    expect(states.at(-1)).toBe('done');
    expect(states.slice(states.indexOf('running'), -1).every((s) => s === 'running')).toBe(true);
    expect(done.params.output).toBe(join(dir, 'shot.refined.mov'));
    const job = await client.call('jobs.get', { jobId });
    expect(job.result).toMatchObject({ frames: 19, handles: { head: 2, tail: 2 }, fps: '25/1' });
    expect((await stat(`${job.output.path}.refinery.json`)).isFile()).toBe(true);
    // A second job on the same source gets the next free name.
    const second = await client.call('jobs.submit', { source: clip, steps: [], output: { dir } });
    expect((await client.call('jobs.get', { jobId: second.jobId })).output.path).toBe(join(dir, 'shot.refined-2.mov'));
    await waitFor(async () => (await client.call('jobs.get', { jobId: second.jobId })).state === 'done', 'second job');
    client.close();
  });

  it('cancels a running job within a second, cleans up, and retries it', async () => {
    const client = await connect(companion.info);
    const out = join(dir, 'cancel', 'long.mov');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'cancel')));
    const { jobId } = await client.call('jobs.submit', { source: longClip, steps: [{ op: 'lut', path: 'vivid' }], output: { path: out } });
    await waitFor(() => client.notifications.find((n) => n.params.jobId === jobId && n.params.progress?.frame > 5), 'progress');
    const asked = Date.now();
    await client.call('jobs.cancel', { jobId });
    await waitFor(() => client.notifications.find((n) => n.params.jobId === jobId && n.params.state === 'cancelled'), 'cancelled');
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(await readdir(join(dir, 'cancel'))).toEqual([]);
    expect(await client.call('jobs.cancel', { jobId }).catch((e) => e)).toMatchObject({ code: -32009 });
    expect(await client.call('jobs.retry', { jobId })).toMatchObject({ jobId, state: expect.stringMatching(/^(queued|running)$/) });
    await waitFor(() => client.notifications.find((n) => n.params.jobId === jobId && n.params.state === 'running'), 'running again');
    await client.call('jobs.cancel', { jobId });
    client.close();
  });

  // Its speed (under a second for 1080p) is measured by `npm run bench`, not asserted here.
  it('previews a 1080p frame before and after the recipe, scaled to the width asked for', async () => {
    const hd = await makeClip(join(dir, 'hd.mp4'), { fps: '25', seconds: 2, size: '1920x1080', audio: false, tagged: true });
    const client = await connect(companion.info);
    const preview = await client.call('preview.frame', { source: hd, timeS: 1.2, steps: [{ op: 'lut', path: 'teal-orange' }], maxWidth: 1920 });
    expect([preview.width, preview.height]).toEqual([1920, 1080]);
    for (const png of [preview.before, preview.after]) expect(Buffer.from(png, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(preview.before).not.toBe(preview.after);
    const small = await client.call('preview.frame', { source: hd, timeS: 0, steps: [], maxWidth: 480 });
    expect([small.width, small.height]).toEqual([480, 270]);
    expect(await client.call('preview.frame', { source: hd, timeS: 5, steps: [] }).catch((e) => e)).toMatchObject({ code: -32602, message: expect.stringMatching(/^params\.timeS/) });
    const unknownModel = { source: hd, timeS: 0, steps: [{ op: 'upscale', scale: 2, model: 'no-such-net' }] };
    expect(await client.call('preview.frame', unknownModel).catch((e) => e)).toMatchObject({ code: -32602, data: { field: 'params.steps.0.model' } });
    client.close();
  });
});
