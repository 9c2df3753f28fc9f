import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLiveSubscription, PAID_PLAN } from '../../shared/billing';
import { escapeHtml as escape } from '../../shared/html';
import type { LocalBilling } from './local-billing';
import { formToken, formTokenInput, localOnlyRefusal, refuse } from './local-only';

const page = (title: string, body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f6f9fc;margin:0}main{max-width:28rem;margin:4rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px #0001}
.badge{display:inline-block;background:#fde68a;color:#92400e;border-radius:4px;padding:.1rem .4rem;font-size:.75rem}button{width:100%;background:#635bff;color:#fff;border:0;border-radius:8px;padding:.8rem;font-size:1rem;font-weight:600;cursor:pointer}
.secondary{background:#e5e7eb;color:#111827;margin-top:.5rem}</style></head><body><main>${body}</main></body></html>`;

const send = (res: ServerResponse, status: number, html: string) => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
};
const seeOther = (res: ServerResponse, location: string) => {
  res.writeHead(303, { location });
  res.end();
};

/**
 * The local stand-ins for Stripe Checkout and the Billing Portal (embedded default only). Like
 * Stripe's own pages they need no sign-in; unlike them they live on this server: only for this
 * machine, and Pay and Cancel only from these pages' own forms, with their token (local-only.ts).
 */
export async function handleLocalStripe(req: IncomingMessage, res: ServerResponse, url: URL, billing: LocalBilling): Promise<void> {
  const refusal = localOnlyRefusal(req, billing.baseUrl);
  if (refusal) return refuse(res, 403, refusal);
  if (req.method === 'POST' && !(await formToken(req))) return refuse(res, 403, 'Use the buttons of the local checkout and billing pages: reload the page and try again.');
  const checkout = /^\/local-stripe\/checkout\/([\w-]+)(\/pay)?$/.exec(url.pathname);
  if (checkout?.[1]) {
    const session = billing.session(checkout[1]);
    if (!session) return send(res, 404, page('Checkout', '<h1>This checkout has expired</h1><p>Start the upgrade again from your status page.</p>'));
    if (session.status === 'complete') {
      return send(res, 409, page('Checkout', `<h1>This checkout is paid already</h1><p><a href="${escape(session.successUrl)}">Back to your status page</a></p>`));
    }
    if (req.method === 'POST' && checkout[2]) {
      return seeOther(res, await billing.pay(checkout[1]));
    }
    return send(
      res,
      200,
      page(
        'Checkout',
        `<span class="badge">Local test checkout · no card is charged</span><h1>${escape(PAID_PLAN.name)}</h1><p><strong>${escape(PAID_PLAN.price)}</strong></p><p>Billed to ${escape(session.email)}</p>
<form method="post" action="/local-stripe/checkout/${checkout[1]}/pay">${formTokenInput()}<button>Pay ${escape(PAID_PLAN.price.split(' ')[0] ?? '')}</button></form>
<p><a href="${escape(session.cancelUrl)}">Cancel and go back</a></p>`,
      ),
    );
  }
  const portal = /^\/local-stripe\/portal\/([\w-]+)(\/cancel)?$/.exec(url.pathname);
  if (portal?.[1]) {
    const returnUrl = url.searchParams.get('return') ?? '/';
    if (req.method === 'POST' && portal[2]) {
      await billing.cancel(portal[1]);
      return seeOther(res, returnUrl);
    }
    const live = billing.subscriptionsOf(portal[1]).filter((s) => isLiveSubscription(s.status));
    const state = live.length === 0 ? 'No active subscription' : live.map((s) => (s.status === 'active' ? 'Active' : `Payment overdue (${s.status})`)).join(', ');
    return send(
      res,
      200,
      page(
        'Billing',
        `<span class="badge">Local test billing portal</span><h1>${escape(PAID_PLAN.name)}</h1><p>${escape(state)} · ${escape(PAID_PLAN.price)}</p>
<form method="post" action="/local-stripe/portal/${escape(portal[1])}/cancel?return=${encodeURIComponent(returnUrl)}">${formTokenInput()}<button class="secondary">Cancel subscription</button></form>
<p><a href="${escape(returnUrl)}">Back</a></p>`,
      ),
    );
  }
  send(res, 404, page('Not found', '<p>Not found</p>'));
}
