// Memory for the WebAssembly kernels: one shared WebAssembly.Memory per user (a step
// instance), handed out as typed arrays by a bump allocator. Its buffer is a
// SharedArrayBuffer, so the arrays cross to worker threads like any shared array, and a
// kernel reaches a plane by its byteOffset.

const PAGE = 65536;
/** The first page is left to the module (AssemblyScript's static data and stack, if it ever has any). */
const FIRST = PAGE;

export class SimdArena {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  private top = FIRST;

  /** A zeroed Float32Array of n samples, 16-byte aligned (whole SIMD lanes) and padded by a vector either side. */
  floats(n: number): Float32Array {
    const at = this.take(Math.max(1, n) * 4);
    return new Float32Array(this.memory.buffer, at, Math.max(1, n));
  }

  float64s(n: number): Float64Array {
    const at = this.take(Math.max(1, n) * 8);
    return new Float64Array(this.memory.buffer, at, Math.max(1, n));
  }

  uint16s(n: number): Uint16Array {
    const at = this.take(Math.max(1, n) * 2);
    return new Uint16Array(this.memory.buffer, at, Math.max(1, n));
  }

  uint32s(n: number): Uint32Array {
    const at = this.take(Math.max(1, n) * 4);
    return new Uint32Array(this.memory.buffer, at, Math.max(1, n));
  }

  /** Reserves `bytes` and returns their offset; the memory grows first, so read its buffer after. */
  private take(bytes: number): number {
    // A vector of room before and after, so a kernel reading 4 lanes from a row's end stays in the arena.
    const at = this.top + 16;
    this.top = (at + bytes + 16 + 15) & ~15;
    const pages = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    return at;
  }
}
