// The HostAdapter over CEP: each operation calls its host-script function through
// CSInterface.evalScript with one string literal argument and checks the JSON that comes back.
import type { z } from 'zod';
import { fail, type HostAdapter } from './adapter.js';
import { HOST_OPERATIONS, hostResultSchema, type HostResult } from './contract.js';

/** CSInterface.prototype.evalScript, bound to its CSInterface. */
export type EvalScript = (script: string, callback: (result: string) => void) => void;

/**
 * A JavaScript string literal that ExtendScript parses back to the same text: JSON's escapes,
 * plus every non-ASCII character as \uXXXX (U+2028/U+2029 end a line inside an ES3 literal,
 * and the bridge's encoding is not to be trusted with the rest).
 */
export function scriptLiteral(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

type Operation = (typeof HOST_OPERATIONS)[keyof typeof HOST_OPERATIONS];

export function createCepAdapter(evalScript: EvalScript): HostAdapter {
  function call<O extends Operation>(op: O, params?: unknown): Promise<HostResult<z.infer<O['data']>>> {
    let argument = '';
    if (op.params) {
      const parsed = op.params.safeParse(params);
      if (!parsed.success) return Promise.resolve(fail('bad_request', `${op.fn}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`));
      argument = scriptLiteral(JSON.stringify(parsed.data));
    }
    return new Promise((resolve) => {
      evalScript(`${op.fn}(${argument})`, (raw) => resolve(parseResult(op, raw)));
    });
  }

  return {
    ping: () => call(HOST_OPERATIONS.ping),
    getSelection: () => call(HOST_OPERATIONS.getSelection),
    placeRefined: (request) => call(HOST_OPERATIONS.placeRefined, request),
    revert: (request) => call(HOST_OPERATIONS.revert, request),
  };
}

function parseResult<O extends Operation>(op: O, raw: string): HostResult<z.infer<O['data']>> {
  if (raw === 'EvalScript error.') return fail('host_error', `${op.fn} failed in the host (is the host script loaded?)`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return fail('host_error', `${op.fn} returned something that is not JSON: ${raw.slice(0, 200)}`);
  }
  const checked = hostResultSchema(op.data).safeParse(json);
  if (!checked.success) return fail('host_error', `${op.fn} returned an unexpected shape: ${checked.error.issues[0]?.message ?? ''}`);
  return checked.data as HostResult<z.infer<O['data']>>;
}
