// Pixel kernels the pipeline itself runs on workers (steps bring their own).

/** rgb48 interleaved → gbrp16 planar (G, B, R planes), the layout ffmpeg converts fastest. */
export function toPlanar(src: Uint16Array, dst: Uint16Array, firstPixel: number, endPixel: number): void {
  const plane = src.length / 3;
  const bOffset = plane;
  const rOffset = 2 * plane;
  for (let p = firstPixel, i = firstPixel * 3; p < endPixel; p++, i += 3) {
    dst[p] = src[i + 1]!;
    dst[bOffset + p] = src[i + 2]!;
    dst[rOffset + p] = src[i]!;
  }
}
