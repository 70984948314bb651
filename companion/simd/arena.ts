// Memory for the WebAssembly kernels: one shared WebAssembly.Memory per user (a step
// instance), handed out as typed arrays by a bump allocator. Its buffer is a
// SharedArrayBuffer, so the arrays cross to worker threads like any shared array, and a
// kernel reaches a plane by its byteOffset.

const PAGE = 65536;
/** WebAssembly's 32-bit addresses reach 4 GiB. */
const MAX_BYTES = 65536 * PAGE;
/**
 * The first page is left to the module (AssemblyScript's static data and stack, if it ever
 * has any) but for its first word, which holds the arena's id (see kernels.ts).
 */
const FIRST = PAGE;
let lastId = 0;

/** Arenas given back, for the next step to take. */
const free: SimdArena[] = [];

export class SimdArena {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_BYTES / PAGE, shared: true });
  private top = FIRST;

  constructor() {
    new Uint32Array(this.memory.buffer, 0, 1)[0] = ++lastId;
  }

  /**
   * An arena given back earlier, or a new one. Each worker thread keeps its copies of every
   * memory it has run a kernel on until its own garbage collector runs, which, allocating
   * little, it rarely does: a fresh arena per preview grew the companion by 60 MiB a preview
   * (6.7 GiB after 120 at 1080p). Reused arenas keep that to as many as ever ran at once.
   * Its arrays start with whatever the last user left in them.
   */
  static take(): SimdArena {
    const arena = free.pop() ?? new SimdArena();
    arena.top = FIRST;
    return arena;
  }

  /** Gives the arena back, once: no kernel may still be running on it, and its arrays must not be used again. */
  giveBack(): void {
    free.push(this);
  }

  /** A Float32Array of n samples (zeroed in a new arena), 16-byte aligned (whole SIMD lanes) and padded by a vector either side. */
  floats(n: number): Float32Array {
    return this.view(Float32Array, n);
  }

  float64s(n: number): Float64Array {
    return this.view(Float64Array, n);
  }

  uint16s(n: number): Uint16Array {
    return this.view(Uint16Array, n);
  }

  uint32s(n: number): Uint32Array {
    return this.view(Uint32Array, n);
  }

  private view<T>(Type: { new (buffer: ArrayBufferLike, at: number, length: number): T; BYTES_PER_ELEMENT: number }, n: number): T {
    const length = Math.max(1, n);
    const at = this.take(length * Type.BYTES_PER_ELEMENT);
    return new Type(this.memory.buffer, at, length);
  }

  /** Reserves `bytes` and returns their offset; the memory grows first, so read its buffer after. */
  private take(bytes: number): number {
    // A vector of room before and after, so a kernel reading 4 lanes from a row's end stays
    // in the arena. Plain arithmetic, not bit masks: offsets pass 2^31 at 4K.
    const at = this.top + 16;
    const top = Math.ceil((at + bytes + 16) / 16) * 16;
    const pages = Math.ceil(top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) {
      if (top > MAX_BYTES) throw new Error('the picture is too large for the clean step: its planes would pass the 4 GiB its SIMD kernels can address (try a lighter strength or a smaller frame size)');
      this.memory.grow(pages);
    }
    this.top = top;
    return at;
  }
}
