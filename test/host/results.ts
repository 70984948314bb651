// What the host tests share: the frame rates they run at, and reading a host result.
import type { HostResult } from '../../src/host/contract.js';

export const RATES: Array<[string, [number, number]]> = [
  ['23.976', [24000, 1001]],
  ['25', [25, 1]],
  ['29.97', [30000, 1001]],
];

/** The data of a successful result; a failure fails the test with its code and message. */
export function data<T>(result: HostResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.data;
}

export function errorCode(result: HostResult<unknown>): string {
  return result.ok ? 'ok' : result.error.code;
}
