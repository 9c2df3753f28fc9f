/**
 * Mail header values built from what tenants type (sender names, company names in subjects). One
 * place decides how, for SES (which takes the From header as one string, `Source`) and for checks;
 * nodemailer does the same for SMTP when given a `Mailbox`.
 */

/** A display name and an address, kept apart until the header is written. */
export interface Mailbox {
  name: string;
  address: string;
}

/**
 * Text for one header line: every run of control characters or line/paragraph separators (with the
 * spaces around it) becomes one space, so no value can end the header and start another (`\r\nBcc: ...`).
 */
export const headerText = (text: string) => text.replace(/\s*[\p{Cc}\p{Zl}\p{Zp}]+\s*/gu, ' ').trim();

/** The mailbox a display name and an address make, the name fit for a header line. */
export const mailbox = (name: string, address: string): Mailbox => ({ name: headerText(name), address });

// An addr-spec without comments, quotes or whitespace: what our schemas let through, and nothing that could break out of <...>.
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

export class InvalidMailAddressError extends Error {
  override name = 'InvalidMailAddressError';
}

/** RFC 2047 limits an encoded-word to 75 characters: `=?UTF-8?B?` + 60 base64 characters (45 bytes) + `?=` = 72. */
const BYTES_PER_WORD = 45;

/** Base64 of UTF-8 without Node's Buffer (this module also runs in the browser). */
const base64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));

/** Non-ASCII text as RFC 2047 encoded-words, split between characters, never inside one. */
export function encodedWords(text: string): string {
  const encoder = new TextEncoder();
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (encoder.encode(chunk + char).length > BYTES_PER_WORD) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  // Whitespace between adjacent encoded-words is dropped by decoders, so the text comes back whole.
  return words.map((word) => `=?UTF-8?B?${base64(encoder.encode(word))}?=`).join(' ');
}

/**
 * The mailbox as a header value: `"Acme, Inc." <acme@clients.spaceos.io>`. A printable ASCII name is
 * always a quoted-string (commas, dots, colons and quotes in it stay part of the name); any other
 * name is RFC 2047 encoded-words, which SES requires for non-ASCII; an empty name leaves the bare address.
 */
export function formatMailbox({ name, address }: Mailbox): string {
  if (!ADDRESS.test(address)) throw new InvalidMailAddressError(`Not a mail address: ${JSON.stringify(address)}`);
  const display = headerText(name);
  if (!display) return address;
  const phrase = /^[\x20-\x7e]*$/.test(display) ? `"${display.replace(/["\\]/g, '\\$&')}"` : encodedWords(display);
  return `${phrase} <${address}>`;
}
