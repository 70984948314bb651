// Runs a command and samples the resident memory of its whole process tree.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Peak resident memory of a process and its children, sampled from /proc every 50 ms. */
export function runWithPeakMemory(command: string, args: string[]): Promise<{ seconds: number; peakMiB: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    let peak = 0;
    const treeRss = async (pid: number): Promise<number> => {
      try {
        const status = await readFile(`/proc/${pid}/status`, 'utf8');
        const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
        const nested = await Promise.all(children.map((c) => treeRss(Number(c))));
        return rss + nested.reduce((a, b) => a + b, 0);
      } catch {
        return 0;
      }
    };
    const timer = setInterval(async () => {
      peak = Math.max(peak, await treeRss(child.pid!));
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${command} exited ${code}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakMiB: Math.round(peak / 1024) });
    });
  });
}
