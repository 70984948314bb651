// The panel's "Restore faces" checkbox becomes the face step the companion runs.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RECIPE, submitParams, SUPPORTED_OPS, toSteps } from './recipe.js';

describe('the panel recipe: Restore faces', () => {
  it('is offered, off by default, and asks for the face step at full strength when ticked', () => {
    expect(SUPPORTED_OPS.has('face')).toBe(true);
    expect(toSteps(DEFAULT_RECIPE).some((s) => s.op === 'face')).toBe(false);
    const steps = toSteps({ ...DEFAULT_RECIPE, face: true });
    expect(steps.filter((s) => s.op === 'face')).toEqual([{ op: 'face', strength: 1 }]);
    const params = submitParams({ ...DEFAULT_RECIPE, clean: 'off', deflicker: false, face: true }, { mediaPath: '/clips/a.mov', inS: 0, outS: 1 });
    expect(params.steps).toEqual([{ op: 'face', strength: 1 }]);
  });
});
