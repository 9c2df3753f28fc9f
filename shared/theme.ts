import { readableTextOn } from './palette';

function mix(hex: string, other: string, weight: number): string {
  const channel = (h: string, i: number) => parseInt(h.slice(i, i + 2), 16);
  return `#${[1, 3, 5]
    .map((i) => Math.round(channel(hex, i) * (1 - weight) + channel(other, i) * weight).toString(16).padStart(2, '0'))
    .join('')}`;
}

/** The palette derived from the brand colours. */
export function paletteOf(primary: string, accent?: string) {
  return {
    ...(accent ? { '--brand-accent': accent, '--brand-on-accent': readableTextOn(accent) } : {}),
    '--brand-primary': primary,
    '--brand-on-primary': readableTextOn(primary),
    '--brand-primary-dark': mix(primary, '#000000', 0.2),
    '--brand-primary-soft': mix(primary, '#ffffff', 0.88),
  };
}

/** theme.css: the palette as CSS custom properties, read by the instance at runtime. */
export function renderThemeCss(primary: string, accent: string): string {
  const lines = Object.entries(paletteOf(primary, accent)).map(([name, value]) => `  ${name}: ${value};`);
  return `/* Rendered by spaceOS Launchpad from the tenant's branding settings. */\n:root {\n${lines.join('\n')}\n}\n`;
}
