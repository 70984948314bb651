// Follows the host's look: panel colours and font size from CEP's appSkinInfo, as CSS
// variables, so the panel matches every brightness setting of the host.

export interface SkinColor {
  red: number;
  green: number;
  blue: number;
}

export interface AppSkin {
  baseFontSize: number;
  panelBackgroundColor: { color: SkinColor };
}

const css = (c: SkinColor, shift = 0) =>
  `rgb(${[c.red, c.green, c.blue].map((v) => Math.round(Math.min(255, Math.max(0, v + shift)))).join(', ')})`;

export function applyTheme(root: HTMLElement, skin: AppSkin): void {
  const bg = skin.panelBackgroundColor.color;
  const light = (bg.red + bg.green + bg.blue) / 3 > 128;
  root.style.setProperty('--bg', css(bg));
  root.style.setProperty('--field', css(bg, light ? -24 : 18));
  root.style.setProperty('--border', css(bg, light ? -60 : 40));
  root.style.setProperty('--text', light ? '#1d1d1d' : '#e6e6e6');
  root.style.setProperty('--muted', light ? '#555' : '#a8a8a8');
  root.style.setProperty('--font-size', `${skin.baseFontSize || 11}px`);
}
