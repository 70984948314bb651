// The one interface every refinement step implements. A step is one file in this folder
// that exports a StepDefinition; steps/index.ts lists them in their fixed order.
import type { z } from 'zod';
import type { MediaInfo } from '../media/probe.js';

/** One picture: RGB interleaved, 16 bits per channel, full range (what ffmpeg calls rgb48le). */
export interface Frame {
  width: number;
  height: number;
  data: Uint16Array;
}

export interface StepContext {
  source: MediaInfo;
  /** Frame size the step receives (after the steps before it). */
  width: number;
  height: number;
  /** Per-user state folder (user LUTs, models, caches). */
  stateDir: string;
  /** Runs a kernel off the main thread; see pipeline/workers.ts. */
  workers: import('../pipeline/workers.js').WorkerPool;
  /** Frames the step will be given, when known: a preview gives one, so a temporal step keeps no history. */
  frames?: number;
}

export interface StepInstance {
  /** Frame size this step outputs for the given input size. */
  outputSize(width: number, height: number): { width: number; height: number };
  /**
   * Takes the next frame in order and returns the frames now ready, in order. Stateless
   * steps return exactly one; temporal steps may hold frames back until flush(). A frame
   * belongs to the step until it is returned; after that the step keeps no reference to it
   * (the pipeline reuses its memory), so a step that needs old pictures keeps copies.
   */
  push(frame: Frame): Promise<Frame[]>;
  flush(): Promise<Frame[]>;
  close(): Promise<void>;
  /** What the step did that the user should know (e.g. which model ran), read when the job is done; reported with its warnings. */
  notes?(): string[];
}

export interface StepDefinition<Options = unknown> {
  /** The `op` in a recipe, e.g. "lut". */
  op: string;
  /** Options as a schema; recipe validation, the sidecar and the panel derive from it. */
  options: z.ZodType<Options>;
  /** Human-readable summary of an option set, for progress lines and logs. */
  describe(options: Options): string;
  /**
   * Checks what the schema cannot, against the state folder (a LUT that must be readable, a
   * named model that must be installed), so a bad recipe is refused before anything is queued
   * or written. Throws a StepOptionError naming the option.
   */
  check?(options: Options, stateDir: string): Promise<void>;
  /** The frame size the step outputs, where it is not the size it receives; known before a job starts, so the output can be checked. */
  outputSize?(options: Options, width: number, height: number): { width: number; height: number };
  create(options: Options, context: StepContext): Promise<StepInstance>;
}

/** A step option refused by check(); `index` is the step's place in the recipe as given. */
export class StepOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
    readonly index?: number,
  ) {
    super(message);
  }

  /** The refused field as a request names it, e.g. params.steps.1.model. */
  get field(): string {
    return `params.steps.${this.index ?? 0}.${this.option}`;
  }
}
