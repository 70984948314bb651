// The recipe's steps as one chain: frames go in in order, come out in order.
import type { StepSpec } from '../../src/protocol/recipe.js';
import type { MediaInfo } from '../media/probe.js';
import { stepDefinition } from '../steps/index.js';
import type { Frame, StepInstance } from '../steps/step.js';
import type { WorkerPool } from './workers.js';

export class StepChain {
  private constructor(
    private readonly instances: StepInstance[],
    /** Frame size the chain outputs. */
    readonly width: number,
    readonly height: number,
  ) {}

  /** Creates each step for the frame size the one before it outputs. `specs` are in running order. */
  static async create(
    specs: StepSpec[],
    media: MediaInfo,
    size: { width: number; height: number },
    stateDir: string,
    workers: WorkerPool,
    frames?: number,
  ): Promise<StepChain> {
    const instances: StepInstance[] = [];
    let { width, height } = size;
    for (const spec of specs) {
      const instance = await stepDefinition(spec.op).create(spec, { source: media, width, height, stateDir, workers, frames });
      ({ width, height } = instance.outputSize(width, height));
      instances.push(instance);
    }
    return new StepChain(instances, width, height);
  }

  /** Pushes one frame in; returns the frames that come out now (temporal steps may hold some back). */
  push(frame: Frame): Promise<Frame[]> {
    return this.pushFrom(0, [frame]);
  }

  /** Drains every step in order, pushing what each releases through the steps after it. */
  async flush(): Promise<Frame[]> {
    const out: Frame[] = [];
    for (let i = 0; i < this.instances.length; i++) {
      out.push(...(await this.pushFrom(i + 1, await this.instances[i]!.flush())));
    }
    return out;
  }

  /** The steps' notes on what they did (see StepInstance.notes). */
  notes(): string[] {
    return this.instances.flatMap((s) => s.notes?.() ?? []);
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((s) => s.close()));
  }

  private async pushFrom(first: number, frames: Frame[]): Promise<Frame[]> {
    let current = frames;
    for (let i = first; i < this.instances.length; i++) {
      const next: Frame[] = [];
      for (const f of current) next.push(...(await this.instances[i]!.push(f)));
      current = next;
    }
    return current;
  }
}
