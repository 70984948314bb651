// Output safety: check the destination before any work, write under a temporary name in the
// same folder, and rename only once complete. The source is never opened for writing.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export class OutputError extends Error {}

/** Resolves the output path and refuses one that would touch the source or cannot be written. */
export async function checkOutput(input: string, output: string): Promise<string> {
  const target = resolve(output);
  const folder = dirname(target);
  const realInput = await realpath(input);
  const existing = await stat(target).catch(() => undefined);
  if (target === realInput || (existing && (await realpath(target)) === realInput)) {
    throw new OutputError(`output ${output} is the input file; choose another name`);
  }
  const inputStat = await stat(realInput);
  if (existing && existing.ino === inputStat.ino && existing.dev === inputStat.dev) {
    throw new OutputError(`output ${output} is the input file (a hard link to it); choose another name`);
  }
  if (existing?.isDirectory()) throw new OutputError(`output ${output} is a folder; give a file name`);
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat?.isDirectory()) throw new OutputError(`output folder ${folder} does not exist`);
  // access() says yes to root everywhere; creating a file is the test that counts.
  const probe = join(folder, `.refinery-write-test-${randomBytes(4).toString('hex')}`);
  try {
    await access(folder, constants.W_OK);
    await (await open(probe, 'wx')).close();
    await unlink(probe);
  } catch {
    throw new OutputError(`output folder ${folder} is not writable`);
  }
  return target;
}

/** A hidden temporary name beside the final one, so the rename never crosses file systems. */
export function temporaryName(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

export async function commit(tempPath: string, finalPath: string): Promise<void> {
  await rename(tempPath, finalPath);
}
