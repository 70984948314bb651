// Which frame and what size a preview is: shared by the preview and the decode started early
// for it, which must agree on both.
import type { MediaInfo } from '../media/probe.js';
import { type Rational, toNumber } from '../media/rational.js';
import type { Size } from './decode.js';

/** The frame shown at `timeS`: the one that starts at or before it. */
export function frameAt(timeS: number, rate: Rational): number {
  return Math.floor(timeS * toNumber(rate) + 1e-6);
}

/**
 * The picture as it is shown, at most `maxWidth` wide: non-square pixels are scaled out to
 * square ones. Even sizes keep every chroma subsampling happy downstream.
 */
export function previewSize(media: Pick<MediaInfo, 'width' | 'height' | 'sampleAspect'>, maxWidth: number): Size {
  const shownWidth = Math.round((media.width * media.sampleAspect.num) / media.sampleAspect.den);
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  if (shownWidth > maxWidth) return { width: maxWidth - (maxWidth % 2), height: even((media.height * maxWidth) / shownWidth) };
  return shownWidth !== media.width ? { width: even(shownWidth), height: media.height } : { width: media.width, height: media.height };
}
