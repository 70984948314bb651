// Helpers for strict simulated DOM objects: read-only properties that throw when assigned,
// host objects that carry their model without exposing it to scripts, and argument checks.
const models = new WeakMap<object, unknown>();

/** Gives every getter-only accessor on the class a setter that throws, as the host refuses the write. */
export function readOnlyAccessors(cls: { name: string; prototype: object }): void {
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(cls.prototype))) {
    if (d.get && !d.set) {
      Object.defineProperty(cls.prototype, key, {
        ...d,
        set() {
          throw new Error(`${cls.name}.${key} is read-only`);
        },
      });
    }
  }
}

export function attach<T extends object>(dom: T, model: unknown): T {
  models.set(dom, model);
  return dom;
}

/** The model behind a host object of the given class; a TypeError for anything else. */
export function modelOf<M>(value: unknown, cls: abstract new (...args: never[]) => object, what: string): M {
  if (!(value instanceof cls) || !models.has(value)) throw new TypeError(`expected ${what}, got ${describe(value)}`);
  return models.get(value) as M;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  return value.constructor?.name ?? 'an object';
}

/** A collection the way ExtendScript DOMs hand them out: indexed properties plus a count. */
export function collection<T>(items: T[], countName: string): Record<string | number, T | number> {
  const c: Record<string | number, T | number> = { [countName]: items.length };
  items.forEach((item, i) => (c[i] = item));
  return Object.freeze(c);
}
