import * as z from 'zod/mini';

/**
 * What people type reaches Postgres (which refuses NUL), YAML, mail headers and pages that other
 * people read, so free text is refused, not cleaned, when it carries characters no one types on
 * purpose: C0 and C1 controls and DEL (\n only in a multi-line field), line and paragraph separators,
 * lone surrogates, and invisible format characters, bidi embeddings, overrides and isolates included
 * (U+202E makes "Acme" followed by "live.com" display as "Acmemoc.evil").
 *
 * Allowed on purpose, because real names need them and they cannot reorder letters: the zero-width
 * joiner and non-joiner (emoji sequences such as woman + ZWJ + laptop, Persian and Indic scripts), the left-to-right,
 * right-to-left and Arabic letter marks (mixing Hebrew or Arabic with Latin), and the tag characters
 * inside an emoji subdivision flag (the Scottish flag is U+1F3F4, tags "gbsct", U+E007F), which is the only thing they are for.
 */
const SUSPECT = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const NEEDED_FORMAT = new Set([0x200c, 0x200d, 0x200e, 0x200f, 0x061c]);
/** Split on this (a capture group), flags are the odd parts. */
const SUBDIVISION_FLAG = /(\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,6}\u{E007F})/u;
const LINE_BREAKS = new Set([0x0a, 0x0d, 0x85, 0x2028, 0x2029]);
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/u;

export interface PlainTextOptions {
  /** A field people may break into lines (a textarea): \n is allowed, \r and the rest are not. */
  multiline?: boolean;
}

function isForbidden(char: string, multiline: boolean): boolean {
  const code = char.codePointAt(0)!;
  if ((multiline && code === 0x0a) || NEEDED_FORMAT.has(code)) return false;
  return SUSPECT.test(char);
}

/** The characters of the text outside subdivision flags, one code point at a time. */
const charactersOutsideFlags = (value: string) => value.split(SUBDIVISION_FLAG).flatMap((part, i) => (i % 2 === 1 ? [] : [...part]));

/** The first character the field may not hold (as a code point), or undefined if there is none. */
export function forbiddenCharacter(value: string, { multiline = false }: PlainTextOptions = {}): number | undefined {
  return charactersOutsideFlags(value).find((char) => isForbidden(char, multiline))?.codePointAt(0);
}

/**
 * The text with what the rule refuses taken out (line breaks and tabs become spaces): for text stored
 * before the rule existed, so that reading it never fails and nothing rendered from it carries them.
 */
export function withoutForbiddenCharacters(value: string, { multiline = false }: PlainTextOptions = {}): string {
  return value
    .split(SUBDIVISION_FLAG)
    .map((part, i) =>
      i % 2 === 1 ? part : [...part].map((char) => (!isForbidden(char, multiline) ? char : LINE_BREAKS.has(char.codePointAt(0)!) || char === '\t' ? ' ' : '')).join(''),
    )
    .join('');
}

/** At most `max` UTF-16 units (what zod's maxLength counts), never half of a surrogate pair. */
export function truncateText(value: string, max: number): string {
  const cut = value.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

const codePoint = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** Says what was found in words a person can act on (most often it came in with a paste). */
export function forbiddenCharacterMessage(label: string, code: number): string {
  if (LINE_BREAKS.has(code)) return `${label} must be on one line: remove the line break`;
  if (code === 0x09) return `${label} can't contain tabs`;
  if (BIDI_CONTROLS.test(String.fromCodePoint(code))) return `${label} can't contain characters that change the text direction (${codePoint(code)})`;
  return `${label} can't contain invisible or control characters (${codePoint(code)}); retype it rather than pasting`;
}

/** The one zod check for every free-text input: add it after `z.trim()` in any schema of `shared/`. */
export const plainText = (label: string, options: PlainTextOptions = {}) =>
  z.superRefine<string>((value, ctx) => {
    const code = forbiddenCharacter(value, options);
    if (code === undefined) return;
    const message = options.multiline && code === 0x0d ? `${label} can only break lines with a plain line break (\\n)` : forbiddenCharacterMessage(label, code);
    ctx.addIssue({ code: 'custom', message, input: value });
  });
