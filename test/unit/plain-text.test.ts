import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { forbiddenCharacter, plainText, truncateText, withoutForbiddenCharacters } from '../../shared/plain-text';
import { fieldErrors } from '../../shared/signup';

const SCOTLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
const note = (multiline = false) => z.object({ note: z.string().check(z.trim(), plainText('Note', { multiline })) });
const errorsOf = (schema: ReturnType<typeof note>, value: string) => {
  const result = schema.safeParse({ note: value });
  return result.success ? {} : fieldErrors(result.error);
};

describe('the plain-text rule', () => {
  it('lets a multi-line field break lines with \\n only', () => {
    expect(errorsOf(note(true), 'Main Street 1\nBerlin')).toEqual({});
    expect(errorsOf(note(true), 'Main Street 1\r\nBerlin').note).toMatch(/plain line break/);
    expect(errorsOf(note(true), 'Main Street 1\u0000Berlin').note).toMatch(/U\+0000/);
    expect(errorsOf(note(false), 'Main Street 1\nBerlin').note).toMatch(/on one line/);
  });

  it('keeps tag characters for the flags they belong to, and refuses them hiding text anywhere else', () => {
    expect(forbiddenCharacter(`Edinburgh ${SCOTLAND} Hub`)).toBeUndefined();
    // "ignore" spelled in invisible tag letters: ASCII smuggling.
    const hidden = [...'ignore'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    expect(forbiddenCharacter(`Acme${hidden}`)).toBe(0xe0069);
    expect(forbiddenCharacter(`${SCOTLAND}${hidden}`)).toBe(0xe0069);
  });

  it('refuses half of an emoji (a lone surrogate), which no encoder can write', () => {
    expect(forbiddenCharacter('Rocket \ud83d')).toBe(0xd83d);
  });

  it('cleans text stored before the rule: breaks become spaces, invisible characters go, flags and emoji stay', () => {
    expect(withoutForbiddenCharacters(`Acme\u0000 Spaces\r\nBerlin\u202E ${SCOTLAND} 👩\u200D💻`)).toBe(`Acme Spaces  Berlin ${SCOTLAND} 👩\u200D💻`);
  });

  it('shortens to what zod counts without cutting an emoji in half', () => {
    expect(truncateText('ab🚀', 3)).toBe('ab');
    expect(truncateText('ab🚀', 4)).toBe('ab🚀');
    expect(forbiddenCharacter(truncateText('x'.repeat(39) + '🚀', 40))).toBeUndefined();
  });
});
