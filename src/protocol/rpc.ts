// JSON-RPC 2.0 envelopes and error codes, shared by the companion and the panel.
import { z } from 'zod';

export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** The job (or other object) named in the params does not exist. */
  notFound: -32004,
  /** The request is valid but not in the object's current state (cancel a finished job). */
  conflict: -32009,
} as const;

/** WebSocket close codes the companion uses. */
export const CLOSE_CODES = {
  unauthorized: 4401,
  shuttingDown: 1001,
  tooBig: 1009,
} as const;

export const RequestSchema = z
  .object({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.number().int(), z.string().max(128)]),
    method: z.string().min(1).max(64),
    params: z.unknown().optional(),
  })
  .strict();

export type RpcRequest = z.infer<typeof RequestSchema>;

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type RpcResponse =
  | { jsonrpc: '2.0'; id: number | string | null; result: unknown }
  | { jsonrpc: '2.0'; id: number | string | null; error: RpcError };

export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params: unknown;
}

/** One line naming the first bad field, e.g. `params.steps.0.strength: Too big: expected number to be <=1`. */
export function describeIssues(error: z.ZodError, prefix = 'params'): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = [prefix, ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`;
}
