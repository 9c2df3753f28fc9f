import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * The embedded default's own pages (/ops, the local checkout and billing portal) have no sign-in:
 * they are for whoever sits at this machine. So they answer only requests from this machine, to a
 * loopback name (a page of another site whose name was rebound to 127.0.0.1 asks for its own host),
 * and a change only from these pages themselves: the browser at this machine would post any
 * other page's form or fetch here just the same.
 */

const READS = new Set(['GET', 'HEAD']);
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Per server process: a form must carry the token of a page this process rendered. */
const FORM_TOKEN = randomBytes(32).toString('base64url');
export const FORM_TOKEN_FIELD = 'csrf';

/** The hidden field every state-changing form of the local pages carries. */
export const formTokenInput = () => `<input type="hidden" name="${FORM_TOKEN_FIELD}" value="${FORM_TOKEN}">`;

export function isLoopbackAddress(address: string | undefined): boolean {
  const plain = address?.replace(/^::ffff:/i, '') ?? '';
  return plain === '::1' || /^127\.\d+\.\d+\.\d+$/.test(plain);
}

function loopbackHost(host: string | undefined): boolean {
  try {
    return LOOPBACK_NAMES.has(new URL(`http://${host ?? ''}`).hostname);
  } catch {
    return false;
  }
}

/**
 * Why the request must be refused (a sentence for the 403), or undefined. Changes must come from
 * the server's own origin: `Origin` (sent by browsers with every POST), else `Sec-Fetch-Site`. A
 * request with neither is no browser's (the ops CLI); forms are refused anyway unless they carry
 * the page's token (`formToken`), and the JSON API takes only JSON or no body (`jsonOrEmpty`).
 */
export function localOnlyRefusal(req: IncomingMessage, ownUrl: string): string | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return 'This page answers only on the machine Launchpad runs on.';
  if (!loopbackHost(req.headers.host)) return `Open this page at ${ownUrl}.`;
  if (READS.has(req.method ?? 'GET')) return undefined;
  const origin = req.headers.origin;
  const fetchSite = req.headers['sec-fetch-site'];
  const own = [new URL(ownUrl).origin, `http://${req.headers.host ?? ''}`];
  const sameOrigin = origin !== undefined ? own.includes(origin) : fetchSite === undefined || fetchSite === 'same-origin';
  return sameOrigin ? undefined : 'Changes are accepted only from these pages themselves.';
}

/** True if the request is JSON or has no body at all (what the ops CLI sends): never a form. */
export function jsonOrEmpty(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return (req.headers['content-length'] ?? '0') === '0' && req.headers['transfer-encoding'] === undefined;
  return /^application\/json\s*(;|$)/i.test(type.trim());
}

/** Reads a posted form and checks it carries this process's token. */
export async function formToken(req: IncomingMessage): Promise<boolean> {
  return (await tokenedForm(req)) !== undefined;
}

/** A posted form's fields, if it carries this process's token (else undefined): for forms whose fields matter too. */
export async function tokenedForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers['content-type']?.trim() ?? '')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4096) return undefined;
    chunks.push(chunk as Buffer);
  }
  const fields = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const sent = Buffer.from(fields.get(FORM_TOKEN_FIELD) ?? '');
  const expected = Buffer.from(FORM_TOKEN);
  return sent.length === expected.length && timingSafeEqual(sent, expected) ? fields : undefined;
}

export function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(message);
}
