// Pixel kernels of the deflicker step (steps/deflicker.ts drives them on the worker pool).

const TO_8BIT = 255 / 65535;
const KR = 0.2126;
const KB = 0.0722;
const KG = 1 - KR - KB;

/**
 * Mean luma (8-bit units) of each `factor`×`factor` cell into `thumb` (tw = floor(width /
 * factor) wide). A thumbnail row belongs to the band holding its first full row.
 */
export function thumbnail(rgb: Uint16Array, thumb: Float32Array, width: number, height: number, factor: number, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const tw = Math.floor(width / factor);
  const th = Math.floor(height / factor);
  const scale = TO_8BIT / (factor * factor);
  for (let r = Math.ceil(y0 / factor); r * factor < y1 && r < th; r++) {
    for (let c = 0; c < tw; c++) {
      let s = 0;
      for (let dy = 0; dy < factor; dy++) {
        let i = ((r * factor + dy) * width + c * factor) * 3;
        for (let dx = 0; dx < factor; dx++, i += 3) s += KR * rgb[i]! + KG * rgb[i + 1]! + KB * rgb[i + 2]!;
      }
      thumb[r * tw + c] = s * scale;
    }
  }
}

/**
 * Multiplies every pixel by exp(log-gain), the log-gain interpolated bilinearly from a
 * gw×gh grid whose cell centres sit at ((i + 0.5)·cellW, (j + 0.5)·cellH).
 */
export function applyGain(rgb: Uint16Array, logGain: Float32Array, gw: number, gh: number, cellW: number, cellH: number, width: number, first: number, end: number): void {
  const y0 = Math.floor(first / width);
  const y1 = Math.floor(end / width);
  const row = new Float32Array(gw);
  const gain = new Float32Array(width);
  for (let y = y0; y < y1; y++) {
    let gy = (y + 0.5) / cellH - 0.5;
    gy = gy < 0 ? 0 : gy > gh - 1 ? gh - 1 : gy;
    const j = Math.min(gh - 2, Math.floor(gy));
    const fy = gh > 1 ? gy - j : 0;
    for (let i = 0; i < gw; i++) {
      row[i] = gh > 1 ? logGain[j * gw + i]! * (1 - fy) + logGain[(j + 1) * gw + i]! * fy : logGain[i]!;
    }
    for (let x = 0; x < width; x++) {
      let gx = (x + 0.5) / cellW - 0.5;
      gx = gx < 0 ? 0 : gx > gw - 1 ? gw - 1 : gx;
      const i = Math.min(gw - 2, Math.floor(gx));
      gain[x] = Math.exp(gw > 1 ? row[i]! * (1 - (gx - i)) + row[i + 1]! * (gx - i) : row[0]!);
    }
    for (let x = 0, i = y * width * 3; x < width; x++, i += 3) {
      const g = gain[x]!;
      const r = rgb[i]! * g + 0.5;
      const gg = rgb[i + 1]! * g + 0.5;
      const b = rgb[i + 2]! * g + 0.5;
      rgb[i] = r >= 65535 ? 65535 : r;
      rgb[i + 1] = gg >= 65535 ? 65535 : gg;
      rgb[i + 2] = b >= 65535 ? 65535 : b;
    }
  }
}
