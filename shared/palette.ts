/** Relative luminance per WCAG 2.x of a #rrggbb colour, 0 (black) .. 1 (white). */
export function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Text colour readable on a brand-coloured background: white or near-black, whichever contrasts more. */
export function readableTextOn(background: string): '#ffffff' | '#111827' {
  return contrastRatio(background, '#ffffff') >= contrastRatio(background, '#111827') ? '#ffffff' : '#111827';
}

/** WCAG 2.x AA: 4.5:1 for body text, 3:1 for large text and UI components. */
export const WCAG_AA_TEXT = 4.5;
export const WCAG_AA_UI = 3;

/** Where the brand colours fall below WCAG AA as the instance uses them (empty: all fine). */
export function contrastWarnings(colors: { primaryColor: string; accentColor: string }): string[] {
  const warnings: string[] = [];
  const check = (name: string, background: string) => {
    const ratio = contrastRatio(background, readableTextOn(background));
    if (ratio < WCAG_AA_TEXT) warnings.push(`Text on the ${name} colour reaches only ${ratio.toFixed(1)}:1 contrast (WCAG AA asks for ${WCAG_AA_TEXT}:1): some users will struggle to read buttons and headers.`);
  };
  check('primary', colors.primaryColor);
  check('accent', colors.accentColor);
  const onWhite = contrastRatio(colors.primaryColor, '#ffffff');
  if (onWhite < WCAG_AA_UI) warnings.push(`The primary colour on white reaches only ${onWhite.toFixed(1)}:1 (WCAG AA asks for ${WCAG_AA_UI}:1 for links and controls).`);
  return warnings;
}
