// Writes a file so that no reader ever sees half of it, and a crash leaves either the old
// file or the new one: a temporary name beside it, synced, then renamed over it.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w', mode);
    try {
      // Exactly `mode`, whatever the umask: companion.json holds a token.
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}
