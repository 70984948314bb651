// The host-script API (../shared/DESIGN.md "Host-script API"), defined once: the ExtendScript
// files, the CEP bridge and the UXP adapter all return these shapes, checked at run time.
import { z } from 'zod';

/** Premiere's time unit: every Time/TickTime is an integer count of these. */
export const TICKS_PER_SECOND = 254016000000;

export const HOST_ERROR_CODES = [
  'no_project',
  'no_sequence', // no active sequence (Premiere) or no active composition (After Effects)
  'nothing_selected',
  'file_missing',
  'clip_not_found',
  'clip_changed', // the clip shows other media than the sourcePath it was sent with
  'import_failed',
  'media_offline',
  'media_too_short', // the refined file does not cover the clip plus its head handles
  'relink_refused', // canChangeMediaPath() said no, or another use needs frames the file lacks
  'track_busy', // stack: the track above has a clip over this clip's span
  'not_refined', // revert of a clip that Refinery did not place
  'bad_request',
  'host_error', // the host threw, or the bridge could not reach the script
] as const;

export const HostErrorSchema = z.object({ code: z.enum(HOST_ERROR_CODES), message: z.string() });

export const PingSchema = z.object({ host: z.enum(['PPRO', 'AEFT']), version: z.string() });

export const ClipSchema = z.object({
  /**
   * Premiere ExtendScript: nodeId; Premiere UXP: "track@startTicks"; After Effects 22.0+:
   * "compId:layerIndex:layerId" (the layer found by its persistent id), before 22.0 "compId:layerIndex".
   */
  id: z.string().min(1),
  name: z.string(),
  mediaPath: z.string().min(1),
  /** Premiere: 0-based video track index; After Effects: 1-based layer index. */
  trackIndex: z.number().int().nonnegative(),
  /** Sequence (comp) time the clip starts and ends at. */
  startS: z.number(),
  endS: z.number(),
  /** Source media time of the first frame shown and the end of the last one. */
  inS: z.number().nonnegative(),
  outS: z.number().nonnegative(),
});

export const SelectionSchema = z.object({
  clips: z.array(ClipSchema),
  /** Where the playhead (Premiere) or the current-time indicator (After Effects) stands. */
  playheadS: z.number().nonnegative().optional(),
});

export const PlaceModeSchema = z.enum(['replace', 'stack', 'relink']);

const frames = z.number().int().nonnegative();

/** Frames the engine added before and after the range: its `--json` `handles`, or one number for both. */
export const HandlesSchema = z.union([frames, z.object({ head: frames, tail: frames })]);

export const PlaceRequestSchema = z.object({
  id: z.string().min(1),
  mediaPath: z.string().min(1),
  mode: PlaceModeSchema,
  handles: HandlesSchema.default(0),
  binName: z.string().min(1).optional(),
  /**
   * The clip's media when it was sent to be refined. Given, the clip is not placed over when
   * it shows other media now (replaced meanwhile, or another project's clip under the same id).
   */
  sourcePath: z.string().min(1).optional(),
});

export const PlacedSchema = z.object({ id: z.string().min(1), projectItem: z.string() });

export const RevertRequestSchema = z.object({ id: z.string().min(1) });

export const RevertedSchema = z.object({ mode: PlaceModeSchema });

export type HostError = z.infer<typeof HostErrorSchema>;
export type HostErrorCode = HostError['code'];
export type Ping = z.infer<typeof PingSchema>;
export type Clip = z.infer<typeof ClipSchema>;
export type Selection = z.infer<typeof SelectionSchema>;
export type PlaceMode = z.infer<typeof PlaceModeSchema>;
export type PlaceRequest = z.input<typeof PlaceRequestSchema>;
export type Placed = z.infer<typeof PlacedSchema>;
export type RevertRequest = z.infer<typeof RevertRequestSchema>;
export type Reverted = z.infer<typeof RevertedSchema>;

export type HostResult<T> = { ok: true; data: T } | { ok: false; error: HostError };

/** Each operation: the global function the .jsx defines, its parameter schema and its data schema. */
export const HOST_OPERATIONS = {
  ping: { fn: 'refinery_ping', params: null, data: PingSchema },
  getSelection: { fn: 'refinery_getSelection', params: null, data: SelectionSchema },
  placeRefined: { fn: 'refinery_placeRefined', params: PlaceRequestSchema, data: PlacedSchema },
  revert: { fn: 'refinery_revert', params: RevertRequestSchema, data: RevertedSchema },
} as const;

/** The envelope every host function returns, for one operation's data schema. */
export function hostResultSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: HostErrorSchema }),
  ]);
}

export function headFrames(handles: z.infer<typeof HandlesSchema>): number {
  return typeof handles === 'number' ? handles : handles.head;
}
