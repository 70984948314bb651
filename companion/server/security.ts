// Who may talk to the companion: loopback Host headers only, no web page origins, and the
// token from companion.json, compared in constant time.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ALLOWED_ORIGIN_PREFIXES } from '../../src/protocol/messages.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A Host header naming this machine's loopback interface (any port), as a local client sends. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  return !!match && LOOPBACK_HOSTS.has(match[1]!);
}

/**
 * No Origin (a native client), "null" or a file:// page (a CEP panel), or a plugin origin
 * (UXP). Anything else is a web page, which must never drive the companion.
 */
export function isAllowedOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  const value = origin.trim().toLowerCase();
  return value === 'null' || ALLOWED_ORIGIN_PREFIXES.some((p) => value.startsWith(p));
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; comparing b with itself keeps the time the same.
  return a.length === b.length ? timingSafeEqual(a, b) : (timingSafeEqual(b, b), false);
}
