// Exact frame rates: 24000/1001 must stay 24000/1001, never 23.976.

export interface Rational {
  num: number;
  den: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return Math.abs(a);
}

export function parseRational(text: string): Rational | undefined {
  const match = /^\s*(\d+)(?:\/(\d+))?\s*$/.exec(text);
  if (!match) return undefined;
  const num = Number(match[1]);
  const den = match[2] === undefined ? 1 : Number(match[2]);
  if (!num || !den) return undefined;
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

export function formatRational(r: Rational): string {
  return `${r.num}/${r.den}`;
}

export function toNumber(r: Rational): number {
  return r.num / r.den;
}

/** Seconds at which frame `n` starts. */
export function frameTime(n: number, fps: Rational): number {
  return (n * fps.den) / fps.num;
}

// Rates a camera or an editor would use; a measured rate close to one snaps to it.
const STANDARD_RATES = ['24000/1001', '24', '25', '30000/1001', '30', '48', '50', '60000/1001', '60', '120'].map(
  (s) => parseRational(s)!,
);

/**
 * Snaps a measured (average) rate to the nearest standard rate within `tolerance` (0.1%), or
 * keeps it as a rational. Nearest, not first: 24 is within 0.1% of 24000/1001 too.
 */
export function snapRate(measured: Rational, tolerance = 0.001): Rational {
  const value = toNumber(measured);
  const off = (rate: Rational) => Math.abs(toNumber(rate) - value) / value;
  const nearest = STANDARD_RATES.reduce((best, rate) => (off(rate) < off(best) ? rate : best));
  return off(nearest) < tolerance ? nearest : measured;
}
