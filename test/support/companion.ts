// A real companion as a child process, and a real WebSocket client for it.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CLI } from './media.js';

export interface Info {
  port: number;
  token: string;
  pid: number;
}

export interface Companion {
  child: ChildProcess;
  info: Info;
  stdout: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startCompanion(stateDir: string, args: string[] = []): Promise<Companion> {
  const child = spawn(process.execPath, [CLI, 'companion', '--state-dir', stateDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (let i = 0; i < 200 && !/listening on|already running/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
  if (!/listening on|already running/.test(out)) throw new Error(`companion did not start: ${out}`);
  const info = JSON.parse(await readFile(join(stateDir, 'companion.json'), 'utf8')) as Info;
  return {
    child,
    info,
    stdout: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface Client {
  ws: WebSocket;
  notifications: { method: string; params: any }[];
  call(method: string, params?: unknown): Promise<any>;
  /** The raw reply (result or error) to a request. */
  request(message: unknown): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export function open(port: number, headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { headers });
    const pending = new Map<number | string, (reply: any) => void>();
    const notifications: Client['notifications'] = [];
    let nextId = 1;
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if ('id' in message && pending.has(message.id)) {
        pending.get(message.id)!(message);
        pending.delete(message.id);
      } else if (message.method) {
        notifications.push(message);
      } else if (pending.has('null') && message.id === null) {
        pending.get('null')!(message);
        pending.delete('null');
      }
    });
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.on('open', () =>
      resolve({
        ws,
        notifications,
        closed,
        close: () => ws.close(),
        request(message: any) {
          return new Promise((r) => {
            pending.set(message?.id ?? 'null', r);
            ws.send(typeof message === 'string' ? message : JSON.stringify(message));
          });
        },
        async call(method, params) {
          const reply = await this.request({ jsonrpc: '2.0', id: nextId++, method, params });
          if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
          return reply.result;
        },
      }),
    );
  });
}

/** A client that has said hello with the right token. */
export async function connect(info: Info): Promise<Client> {
  const client = await open(info.port);
  await client.call('session.hello', { token: info.token, client: 'test' });
  return client;
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
