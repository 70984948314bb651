// BT.709, full range: what the pipeline decodes to and what encoders expect back (as
// steps/clean-kernels.ts). Planes are in 8-bit units, pictures rgb48.
export const KR: f32 = 0.2126;
export const KB: f32 = 0.0722;
export const KG: f32 = 1 - KR - KB;
/** Cb = (B − Y) · CB_SCALE, Cr = (R − Y) · CR_SCALE. */
export const CB_SCALE: f32 = 1 / (2 * (1 - KB));
export const CR_SCALE: f32 = 1 / (2 * (1 - KR));
export const TO_8BIT: f32 = 255.0 / 65535.0;
export const TO_16BIT: f32 = 65535.0 / 255.0;
