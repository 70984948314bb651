// Networks shared by the steps that use them and kept open for a while after their last use.
// A preview creates its steps for every frame it shows; opening a model each time costs its
// load and, in ONNX Runtime, a first run that plans memory for every tile shape again.
const KEEP_OPEN_MS = 60_000;

interface Entry {
  value: Promise<unknown>;
  users: number;
  timer?: NodeJS.Timeout;
}

const opened = new Map<string, Entry>();

export interface Held<T> {
  value: T;
  /** Gives the value back; the last user's release closes it KEEP_OPEN_MS later unless taken again. */
  release(): void;
}

/** The value opened under `key`, opened now with `open` if nobody holds it; `close` ends it. */
export async function keptOpen<T>(key: string, open: () => Promise<T>, close: (value: T) => Promise<void>): Promise<Held<T>> {
  let entry = opened.get(key);
  if (!entry) {
    const created: Entry = { value: open(), users: 0 };
    created.value.catch(() => opened.get(key) === created && opened.delete(key));
    opened.set(key, (entry = created));
  }
  const held = entry;
  held.users++;
  clearTimeout(held.timer);
  let value: T;
  try {
    value = (await held.value) as T;
  } catch (error) {
    held.users--;
    throw error;
  }
  let released = false;
  return {
    value,
    release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      held.timer = setTimeout(() => {
        opened.delete(key);
        void close(value);
      }, KEEP_OPEN_MS).unref();
    },
  };
}
