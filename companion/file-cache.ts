// Keeps what was read from a file while its size and mtime stay the same: previews ask for
// the same clip and the same LUT again and again, and an edited file is read afresh.
import { stat } from 'node:fs/promises';

export interface FileCache<T> {
  (path: string): Promise<T>;
  /** Whether something was read from `path` (it may since have changed). */
  holds(path: string): boolean;
}

export function cachedByFile<T>(read: (path: string) => Promise<T>, limit: number): FileCache<T> {
  const entries = new Map<string, { key: string; value: T }>();
  const cached = async (path: string) => {
    const info = await stat(path).catch(() => undefined);
    // A file that cannot be read is the reader's to report, in its words.
    if (!info) return read(path);
    const key = `${info.size}:${info.mtimeMs}`;
    const hit = entries.get(path);
    if (hit?.key === key) return hit.value;
    const value = await read(path);
    entries.delete(path);
    if (entries.size >= limit) entries.delete(entries.keys().next().value!);
    entries.set(path, { key, value });
    return value;
  };
  return Object.assign(cached, { holds: (path: string) => entries.has(path) });
}
