// A few DOM helpers, kept to elements and properties both CEP's Chromium and UXP render.

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') el.className = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child) el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return el;
}

export function select(id: string, value: string, options: [string, string][], label: string): HTMLLabelElement {
  const el = h('select', { id, 'aria-label': label });
  for (const [v, text] of options) el.append(h('option', { value: v, selected: v === value }, text));
  return h('label', { class: 'field', for: id }, h('span', {}, label), el);
}

export function duration(seconds: number): string {
  const s = Math.max(0, seconds);
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}
