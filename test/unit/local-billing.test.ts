import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBilling } from '../../infra/local/local-billing';
import { tempDir } from '../support/temp-dir';

// The embedded default's billing keeps what Stripe keeps, across restarts, and tells of changes as Stripe does.

const dir = tempDir('launchpad-local-billing-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'whsec_local_unit';
const request = { tenantId: 't-1', email: 'bea@example.com', successUrl: 'http://localhost:3000/status/t-1?upgraded=1', cancelUrl: 'http://localhost:3000/status/t-1' };

function localBilling(file: string) {
  const sent: string[] = [];
  const billing = new LocalBilling('http://localhost:3000', SECRET, { file, send: async (payload) => void sent.push((JSON.parse(payload) as { type: string }).type), log: () => undefined });
  return { billing, sent };
}
const sessionOf = (url: string) => /\/local-stripe\/checkout\/([\w-]+)$/.exec(url)![1]!;

describe('the local billing', () => {
  it('keeps customers, subscriptions and sessions over a restart, and answers for them as before', async () => {
    const file = join(dir, 'restart', 'billing.json');
    const before = localBilling(file);
    const session = sessionOf(await before.billing.checkoutUrl(request));
    await before.billing.pay(session);
    const customerId = before.billing.session(session)!.customerId!;
    const subscriptions = await before.billing.subscriptions(customerId);
    expect(subscriptions).toEqual([{ id: expect.stringMatching(/^sub_local_/), customerId, status: 'active', created: expect.any(Number) }]);
    expect(before.sent).toEqual(['checkout.session.completed', 'invoice.paid']);

    const after = localBilling(file).billing; // Launchpad started again on the same data dir
    expect(await after.subscriptions(customerId)).toEqual(subscriptions);
    expect(after.session(session)).toMatchObject({ status: 'complete', customerId });
    await expect(after.pay(session)).rejects.toThrow(/No open checkout session/); // paid once, never twice
  });

  it("reuses a known customer's open session, cancels once with Stripe's event, and refunds a payment once", async () => {
    const { billing, sent } = localBilling(join(dir, 'calls.json'));
    const first = sessionOf(await billing.checkoutUrl(request));
    expect(sessionOf(await billing.checkoutUrl(request))).not.toBe(first); // no customer yet: nothing to reuse by
    await billing.pay(first);
    const customerId = billing.session(first)!.customerId!;
    const returning = await billing.checkoutUrl({ ...request, customerId });
    expect(await billing.checkoutUrl({ ...request, customerId })).toBe(returning);

    const [subscription] = await billing.subscriptions(customerId);
    sent.length = 0;
    await billing.cancelSubscription(subscription!.id, 'duplicate');
    await billing.cancelSubscription(subscription!.id, 'duplicate'); // a retry: already done
    expect(sent).toEqual(['customer.subscription.deleted']);
    expect(await billing.subscriptions(customerId)).toEqual([{ ...subscription, status: 'canceled' }]);
    expect(await billing.refundLatestPayment(subscription!.id)).toBe('refunded');
    expect(await billing.refundLatestPayment(subscription!.id)).toBe('refunded');
    expect(billing.subscription(subscription!.id)!.payments).toEqual([expect.objectContaining({ refunded: true })]);
    await expect(billing.cancelSubscription('sub_unknown', 'x')).rejects.toThrow(/No such subscription/);
    expect(await billing.subscriptions('cus_unknown')).toEqual([]);
  });
});
