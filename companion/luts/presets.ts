// Built-in grading presets, written as math rather than shipped LUT files.
// Every preset works on display-referred, gamma-encoded Rec.709 values in 0..1 and is
// built from the small operations below, each the textbook form of a colourist's tool.
// generate.ts samples them into 33-point .cube files.

export type Rgb = [number, number, number];
export type PresetCategory = 'technical' | 'look' | 'creative';

export interface Preset {
  name: string;
  category: PresetCategory;
  description: string;
  /** Lattice points per axis of the generated 3D LUT. */
  size: number;
  /** The grade; output is clamped to 0..1 and never NaN. */
  fn(r: number, g: number, b: number): Rgb;
}

type Step = (c: Rgb) => Rgb;

/** DaVinci Resolve's default contrast pivot: middle grey on a display-referred scale. */
const MID_GREY = 0.435;

const clamp01 = (x: number): number => (x > 0 ? (x < 1 ? x : 1) : 0); // NaN → 0
const perChannel = (f: (x: number) => number): Step => (c) => [f(c[0]), f(c[1]), f(c[2])];

/** BT.709 luma: the weights of R, G, B in perceived brightness. */
const luma = (c: Rgb): number => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];

/** A colour's offset from the grey of the same luma: adding it shifts hue, not brightness. */
const chroma = (c: Rgb): Rgb => {
  const y = luma(c);
  return [c[0] - y, c[1] - y, c[2] - y];
};

/**
 * S-curve contrast: two power curves meeting at the pivot with slope k, so 0, the pivot
 * and 1 stay put; k > 1 deepens shadows and brightens highlights, with a soft toe and
 * shoulder instead of clipping.
 */
const contrast = (k: number, pivot = MID_GREY): Step =>
  perChannel((v) => {
    const x = clamp01(v);
    return x < pivot ? pivot * (x / pivot) ** k : 1 - (1 - pivot) * ((1 - x) / (1 - pivot)) ** k;
  });

/** Saturation around luma (Y + s·(c − Y)): greys stay grey and brightness is kept. */
const saturation = (s: number): Step => (c) => {
  const y = luma(c);
  return [y + s * (c[0] - y), y + s * (c[1] - y), y + s * (c[2] - y)];
};

/** Vibrance: saturation boost that shrinks as a colour gets saturated (max − min of RGB). */
const vibrance = (amount: number): Step => (c) =>
  saturation(1 + amount * (1 - (Math.max(...c) - Math.min(...c))))(c);

/** Per-channel gain, as a colour-balance offset of the whites. */
const gain = (r: number, g: number, b: number): Step => (c) => [c[0] * r, c[1] * g, c[2] * b];

/** Power-law gamma on each channel: > 1 darkens the mid-tones, leaving 0 and 1 alone. */
const gamma = (p: number): Step => perChannel((v) => clamp01(v) ** p);

/** Output levels: black maps to `black`, white to `white` (lifted blacks, lowered whites). */
const levels = (black: number, white: number): Step => perChannel((v) => black + (white - black) * v);

/** Highlight shoulder: above `knee`, values roll off along tanh towards a soft white. */
const shoulder = (knee: number): Step =>
  perChannel((v) => (v <= knee ? v : knee + (1 - knee) * Math.tanh((v - knee) / (1 - knee))));

/**
 * Split-toning by luma: shadows (weight (1−Y)²) pushed towards one hue and highlights
 * (weight Y²) towards another, each by the hue's chroma so brightness is untouched.
 */
const splitTone = (shadow: Rgb, shadowAmount: number, highlight: Rgb, highlightAmount: number): Step => {
  const s = chroma(shadow);
  const h = chroma(highlight);
  return (c) => {
    const y = clamp01(luma(c));
    const ws = shadowAmount * (1 - y) ** 2;
    const wh = highlightAmount * y * y;
    return [c[0] + ws * s[0] + wh * h[0], c[1] + ws * s[1] + wh * h[1], c[2] + ws * s[2] + wh * h[2]];
  };
};

/** Black-and-white from BT.709 luma. */
const monochrome: Step = (c) => {
  const y = luma(c);
  return [y, y, y];
};

/**
 * Bleach bypass (skipping the bleach leaves silver in the print): the colour is laid over
 * its own luminance in overlay mode, multiply below mid-grey and screen above, mixed
 * across 0.45 ± 0.05, then blended with the original at `opacity`, as in the NVIDIA
 * Shader Library's bleach-bypass shader.
 */
const silverOverlay =
  (opacity: number): Step =>
  (c) => {
    const y = clamp01(luma(c));
    const mix = clamp01(10 * (y - 0.45));
    return perChannel((v) => {
      const x = clamp01(v);
      const multiply = 2 * x * y;
      const screen = 1 - 2 * (1 - x) * (1 - y);
      return x + opacity * (multiply + mix * (screen - multiply) - x);
    })(c);
  };

const TEAL: Rgb = [0.0, 0.55, 0.6];
const ORANGE: Rgb = [1.0, 0.55, 0.2];
const MOONLIGHT: Rgb = [0.25, 0.45, 1.0];

/** Runs steps in order and clamps the result, so every preset meets Preset.fn's contract. */
const grade =
  (...steps: Step[]) =>
  (r: number, g: number, b: number): Rgb => {
    const c = steps.reduce<Rgb>((acc, step) => step(acc), [r, g, b]);
    return [clamp01(c[0]), clamp01(c[1]), clamp01(c[2])];
  };

export const PRESETS: readonly Preset[] = [
  {
    name: 'rec709-contrast',
    category: 'technical',
    description: 'Neutral Rec.709 S-curve (contrast 1.25 at pivot 0.435); greys stay neutral',
    size: 33,
    fn: grade(contrast(1.25)),
  },
  {
    name: 'teal-orange',
    category: 'look',
    description: 'Blockbuster split-tone: teal shadows, orange highlights, a little extra contrast',
    size: 33,
    fn: grade(contrast(1.1), splitTone(TEAL, 0.25, ORANGE, 0.22), saturation(1.1)),
  },
  {
    name: 'film-print-warm',
    category: 'look',
    description: 'Warm print emulation: dense mid-tone contrast, rolled-off highlights, warm whites',
    size: 33,
    fn: grade(contrast(1.2), shoulder(0.75), gain(1.04, 1.0, 0.9), saturation(0.9)),
  },
  {
    name: 'night-cool',
    category: 'look',
    description: 'Day-for-night: darker, desaturated, moonlight-blue cast',
    size: 33,
    fn: grade(saturation(0.55), gain(0.8, 0.85, 0.95), gamma(1.25), splitTone(MOONLIGHT, 0.25, MOONLIGHT, 0.1)),
  },
  {
    name: 'bleach-bypass',
    category: 'creative',
    description: 'Bleach bypass: silver-retention contrast, muted colour',
    size: 33,
    fn: grade(silverOverlay(0.8), saturation(0.6)),
  },
  {
    name: 'faded-film',
    category: 'look',
    description: 'Faded film: lifted blacks, lowered whites, soft colour, cool shadows',
    size: 33,
    fn: grade(contrast(1.1), saturation(0.7), splitTone(TEAL, 0.08, ORANGE, 0.04), levels(0.08, 0.92)),
  },
  {
    name: 'monochrome',
    category: 'creative',
    description: 'Black and white from Rec.709 luma with a gentle S-curve',
    size: 33,
    fn: grade(monochrome, contrast(1.15)),
  },
  {
    name: 'vivid',
    category: 'look',
    description: 'Vivid: vibrance that favours muted colours, saturation 1.15, light contrast',
    size: 33,
    fn: grade(contrast(1.1), vibrance(0.35), saturation(1.15)),
  },
];

export function findPreset(name: string): Preset | undefined {
  const key = name.toLowerCase();
  return PRESETS.find((p) => p.name === key);
}
