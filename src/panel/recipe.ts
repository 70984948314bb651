// The editor's recipe as the panel holds it, remembered between sessions, with named
// recipes; turned into protocol steps only for the ops the companion's schema knows.
import type { JobSubmitParams } from '../protocol/messages.js';
import { StepSpecSchema, type StepSpec } from '../protocol/recipe.js';
import type { PlaceMode } from '../host/contract.js';

export interface PanelRecipe {
  clean: 'off' | 'light' | 'medium' | 'strong';
  deflicker: boolean;
  face: boolean;
  upscale: 'off' | '2' | '4';
  lut: string; // preset name or file; '' for none
  lutStrength: number;
  mode: PlaceMode;
  codec: 'prores' | 'h264' | 'dnxhr' | 'ffv1';
  handles: number;
  outputDir: string; // '' = beside the source
}

export const DEFAULT_RECIPE: PanelRecipe = {
  clean: 'medium',
  deflicker: true,
  face: false,
  upscale: 'off',
  lut: '',
  lutStrength: 1,
  mode: 'replace',
  codec: 'prores',
  handles: 12,
  outputDir: '',
};

/** The ops this build's protocol can carry (steps arrive issue by issue). */
export const SUPPORTED_OPS: ReadonlySet<string> = new Set(StepSpecSchema.options.map((o) => o.shape.op.value));

export function toSteps(recipe: PanelRecipe): StepSpec[] {
  const wanted: Record<string, unknown>[] = [];
  if (recipe.clean !== 'off') wanted.push({ op: 'clean', strength: recipe.clean });
  if (recipe.deflicker) wanted.push({ op: 'deflicker' });
  if (recipe.face) wanted.push({ op: 'face' });
  if (recipe.upscale !== 'off') wanted.push({ op: 'upscale', scale: Number(recipe.upscale) });
  if (recipe.lut) wanted.push({ op: 'lut', path: recipe.lut, strength: recipe.lutStrength });
  return wanted.filter((s) => SUPPORTED_OPS.has(String(s.op))).map((s) => StepSpecSchema.parse(s));
}

export function submitParams(recipe: PanelRecipe, clip: { mediaPath: string; inS: number; outS: number }): JobSubmitParams {
  return {
    source: clip.mediaPath,
    range: { inS: clip.inS, outS: clip.outS },
    handles: recipe.handles,
    steps: toSteps(recipe),
    output: { codec: recipe.codec, ...(recipe.outputDir ? { dir: recipe.outputDir } : {}) },
  };
}

/** Where recipes are kept: localStorage in CEP and UXP. */
export interface RecipeStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const LAST = 'refinery.recipe.last';
const NAMED = 'refinery.recipe.named';

function read<T>(storage: RecipeStorage, key: string, fallback: T): T {
  try {
    const text = storage.getItem(key);
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function loadLastRecipe(storage: RecipeStorage): PanelRecipe {
  return { ...DEFAULT_RECIPE, ...read<Partial<PanelRecipe>>(storage, LAST, {}) };
}

export function saveLastRecipe(storage: RecipeStorage, recipe: PanelRecipe): void {
  storage.setItem(LAST, JSON.stringify(recipe));
}

export function namedRecipes(storage: RecipeStorage): Record<string, PanelRecipe> {
  return read<Record<string, PanelRecipe>>(storage, NAMED, {});
}

export function saveNamedRecipe(storage: RecipeStorage, name: string, recipe: PanelRecipe): void {
  storage.setItem(NAMED, JSON.stringify({ ...namedRecipes(storage), [name]: recipe }));
}
