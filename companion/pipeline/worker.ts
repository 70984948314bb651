// Worker thread entry: imports kernel modules on first use and runs the named function.
import { parentPort } from 'node:worker_threads';
import type { WorkerReply } from './workers.js';

const modules = new Map<string, Promise<Record<string, unknown>>>();

parentPort!.on('message', async (message: { id: number; module: string; fn: string; args: unknown[] }) => {
  let reply: WorkerReply;
  try {
    let mod = modules.get(message.module);
    if (!mod) {
      mod = import(message.module) as Promise<Record<string, unknown>>;
      modules.set(message.module, mod);
    }
    const fn = (await mod)[message.fn];
    if (typeof fn !== 'function') throw new Error(`${message.module} has no function ${message.fn}`);
    reply = { id: message.id, result: await (fn as (...a: unknown[]) => unknown)(...message.args) };
  } catch (error) {
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
