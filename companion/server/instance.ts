// companion.json: how clients find the companion (port, token, pid), readable by the user
// only, and the guard that keeps one companion per state folder.
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { writeFileAtomic } from '../write-atomic.js';

export interface CompanionInfo {
  port: number;
  token: string;
  pid: number;
}

export const infoPath = (stateDir: string) => join(stateDir, 'companion.json');

export async function readInfo(stateDir: string): Promise<CompanionInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(infoPath(stateDir), 'utf8')) as CompanionInfo;
    return Number.isInteger(info.port) && typeof info.token === 'string' && Number.isInteger(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export async function writeInfo(stateDir: string, info: CompanionInfo): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(infoPath(stateDir), `${JSON.stringify(info)}\n`, 0o600);
}

/** Removes companion.json only if it still describes this process. */
export async function removeInfo(stateDir: string): Promise<void> {
  const info = await readInfo(stateDir);
  if (info?.pid === process.pid) await unlink(infoPath(stateDir)).catch(() => undefined);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when companion.json names a live companion that accepts its own token. */
export async function isLive(info: CompanionInfo): Promise<boolean> {
  if (!processAlive(info.pid)) return false;
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${info.port}`);
    const done = (live: boolean) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(live);
    };
    const timer = setTimeout(() => done(false), 2000);
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.hello', params: { token: info.token } })));
    ws.on('message', (data) => done(!('error' in JSON.parse(String(data)))));
    ws.on('error', () => done(false));
    ws.on('close', () => done(false));
  });
}
