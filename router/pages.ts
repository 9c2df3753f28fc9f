import type { ServerResponse } from 'node:http';
import { escapeHtml } from '../shared/html';
import { readableTextOn } from '../shared/palette';

/** What a page is dressed in: the tenant's app name and colours, or spaceOS's when no tenant answers. */
export interface PageBrand {
  name: string;
  primaryColor: string;
}

const SPACEOS: PageBrand = { name: 'spaceOS', primaryColor: '#4f46e5' };

const HEX = /^#[0-9a-f]{6}$/i;

function page(given: PageBrand, title: string, body: string, head = ''): string {
  // Colours go into CSS: only a validated hex colour does (settings validate them; this page does not rely on it).
  const brand = HEX.test(given.primaryColor) ? given : { ...given, primaryColor: SPACEOS.primaryColor };
  const on = readableTextOn(brand.primaryColor);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>${head}
<style>body{margin:0;font-family:system-ui,sans-serif;background:#f8fafc;color:#111827}header{background:${brand.primaryColor};color:${on};padding:1.25rem 2rem;font-size:1.4rem;font-weight:600}
main{max-width:34rem;margin:12vh auto;text-align:center;padding:0 1rem}a.button{display:inline-block;background:${brand.primaryColor};color:${on};padding:.8rem 1.4rem;border-radius:8px;text-decoration:none;font-weight:600}
.dots span{display:inline-block;width:.7rem;height:.7rem;margin:0 .25rem;border-radius:50%;background:${brand.primaryColor};animation:p 1.2s infinite}.dots span:nth-child(2){animation-delay:.2s}.dots span:nth-child(3){animation-delay:.4s}
@keyframes p{0%,80%,100%{opacity:.2}40%{opacity:1}}</style></head><body><header>${escapeHtml(brand.name)}</header><main>${body}</main></body></html>`;
}

function send(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(html);
}

/**
 * A sleeping or starting instance, for a browser: branded, and reloading itself until the
 * instance answers (then the reload lands on the instance itself). 503 with Retry-After, so a
 * crawler or monitor that follows no scripts knows to come back rather than index this page.
 */
export function wakingPage(res: ServerResponse, brand: PageBrand, retryAfterSeconds: number): void {
  const reload = `<meta http-equiv="refresh" content="${retryAfterSeconds}">`;
  send(
    res,
    503,
    page(brand, `${brand.name} · waking up`, `<h1 id="waking">${escapeHtml(brand.name)} is waking up</h1><p>It was resting while nobody used it. This takes a few seconds; the page reloads by itself.</p><p class="dots" aria-hidden="true"><span></span><span></span><span></span></p>`, reload),
    { 'retry-after': String(retryAfterSeconds) },
  );
}

/** The same for a client that is not a browser: nothing to render, just when to come back. */
export function wakingAnswer(res: ServerResponse, retryAfterSeconds: number): void {
  res.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store', 'retry-after': String(retryAfterSeconds) });
  res.end(JSON.stringify({ status: 'waking', retryAfterSeconds }));
}

export function notFoundPage(res: ServerResponse, hostname: string): void {
  send(res, 404, page(SPACEOS, 'No instance here', `<h1>No spaceOS instance here</h1><p>Nothing answers at <b>${escapeHtml(hostname)}</b>. Check the address, or create your own workspace on spaceOS.</p>`));
}

/** A suspended trial: nothing is lost, and the way back is one click. */
export function trialEndedPage(res: ServerResponse, brand: PageBrand, upgradeUrl: string): void {
  send(
    res,
    402,
    page(brand, `${brand.name} · trial ended`, `<h1>The ${escapeHtml(brand.name)} trial has ended</h1><p>Nothing is lost: upgrade and the instance is back within a minute, as you left it.</p><p><a class="button" href="${escapeHtml(upgradeUrl)}">Upgrade</a></p>`),
  );
}

/** Stopped for a reason a visit cannot undo (provisioning failed; customer success is on it). */
export function unavailablePage(res: ServerResponse, brand: PageBrand, retryAfterSeconds: number): void {
  send(res, 503, page(brand, `${brand.name} · unavailable`, `<h1>${escapeHtml(brand.name)} is not available right now</h1><p>Our team has been told and is on it. Please try again later.</p>`), { 'retry-after': String(retryAfterSeconds) });
}

/** The instance did not answer the router (it stopped between two requests); the next try finds where it went. */
export function badGatewayPage(res: ServerResponse, brand: PageBrand): void {
  send(res, 502, page(brand, `${brand.name} · try again`, `<h1>${escapeHtml(brand.name)} did not answer</h1><p>Please reload the page in a moment.</p>`), { 'retry-after': '2' });
}

/**
 * An instance whose signup is not confirmed yet (its admin has not opened the verification mail's
 * link): fixed text in spaceOS's own dress, nothing the signer typed (no name, no colours, not even
 * the host), so an unconfirmed signup cannot put a page of its wording on our domain. 403: the
 * instance exists but is not handed out to visitors (not a 5xx: nothing is broken, and monitors and
 * crawlers are not invited back); no-store, so no cache keeps it past the confirmation.
 */
export function awaitingConfirmationPage(res: ServerResponse): void {
  send(
    res,
    403,
    page(SPACEOS, 'spaceOS · being set up', '<h1 id="awaiting-confirmation">This spaceOS instance is being set up</h1><p>It opens once its owner has confirmed their email address. If that is you, open the link in the mail we sent you, then come back here.</p>'),
  );
}
