// The clips whose refined files the panel still has to place, kept in the panel's storage.
// The companion finishes a batch whether the panel stays open or not (the editor closes it,
// the host quits or crashes); when the panel opens again it places what finished meanwhile.
import { z } from 'zod';
import { ClipSchema, PlaceModeSchema } from '../host/contract.js';
import type { RecipeStorage } from './recipe.js';

const KEY = 'refinery.jobs.pending';
/** Batches waiting to be placed, not a history: past this the oldest are dropped. */
const MAX_PENDING = 200;

export const PendingSchema = z.object({
  clip: ClipSchema,
  jobId: z.string().min(1),
  /** How it is to be placed: chosen when it was sent, whatever the recipe says later. */
  mode: PlaceModeSchema,
  handles: z.number().int().nonnegative(),
  /** Placing had begun: whether the host finished it is unknown, so it is not placed twice. */
  placing: z.boolean().optional(),
});

export type Pending = z.infer<typeof PendingSchema>;

/** What was pending when the panel last ran; entries that no longer parse are skipped. */
export function loadPending(storage: RecipeStorage): Pending[] {
  let stored: unknown;
  try {
    stored = JSON.parse(storage.getItem(KEY) ?? '[]');
  } catch {
    return [];
  }
  return (Array.isArray(stored) ? stored : []).flatMap((entry) => {
    const parsed = PendingSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Stores `pending` unless it is what `last` (the text stored before) already says; returns the stored text. */
export function savePending(storage: RecipeStorage, pending: Pending[], last?: string): string {
  const text = JSON.stringify(pending.slice(-MAX_PENDING));
  if (text !== last) storage.setItem(KEY, text);
  return text;
}
