import { describe, expect, it } from 'vitest';
import { DEFAULT_RECIPE, toSteps } from './recipe.js';

describe('the panel recipe', () => {
  it('turns Upscale 2× / 4× into the upscale step, and Off into none', () => {
    const base = { ...DEFAULT_RECIPE, clean: 'off' as const, deflicker: false };
    expect(toSteps({ ...base, upscale: 'off' })).toEqual([]);
    expect(toSteps({ ...base, upscale: '2' })).toEqual([{ op: 'upscale', scale: 2 }]);
    expect(toSteps({ ...base, upscale: '4', lut: 'teal-orange' })).toEqual([
      { op: 'upscale', scale: 4 },
      { op: 'lut', path: 'teal-orange', strength: 1, interpolation: 'tetrahedral' },
    ]);
  });
});
