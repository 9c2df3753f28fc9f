import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeEach, describe, expect, expectTypeOf, inject, it } from 'vitest';
import { createCheckoutHandler } from '../../functions/api/checkout';
import { createStripeWebhookHandler } from '../../functions/api/stripe-webhook';
import type { Deps } from '../../functions/deps';
import type { Billing } from '../../functions/providers/billing';
import { serviceName, type Compute, type ScaledService } from '../../functions/providers/compute';
import { SesMail } from '../../functions/providers/mail';
import type { EventEffects, EventTakeOver } from '../../functions/providers/stripe-event-ledger';
import { createTrialSweep } from '../../functions/scheduled/trial-sweep';
import type { Tenant } from '../../shared/tenant';
import { sesClient } from '../../infra/local/emulators';
import { LocalBilling } from '../../infra/local/local-billing';
import { apiEvent } from '../support/api-event';
import { RecordingWorkflows, TEST_WEBHOOK_SECRET, testPlatform } from '../support/deps';
import { localDeps } from '../support/local-table';
import { tempDir } from '../support/temp-dir';

/** Records scale and deploy calls, in order: a double of our compute port (the ECS adapter has its own tests). */
class RecordingCompute implements Compute {
  scaled: string[] = [];
  calls: string[] = [];
  /** The next scale call fails, as an ECS outage would. */
  failNextScale = false;
  /** Scale calls take this long (a slow ECS API). */
  scaleDelayMs = 0;
  /** Scale calls begun (including ones still waiting). */
  scaleStarted = 0;
  async ensureService() {
    return { name: 'x', created: false };
  }
  async scale(service: { subdomain: string; env: string }, count: number) {
    this.scaleStarted++;
    if (this.scaleDelayMs) await new Promise((r) => setTimeout(r, this.scaleDelayMs));
    if (this.failNextScale) {
      this.failNextScale = false;
      throw new Error('ECS is unavailable');
    }
    this.scaled.push(`${service.subdomain}-${service.env}=${count}`);
    this.calls.push(`scale ${service.env}=${count}`);
  }
  async deploy(service: { env: string }, version: string) {
    this.calls.push(`deploy ${service.env}@${version}`);
  }
  async removeService(): Promise<'absent'> {
    throw new Error('Billing never removes services');
  }
  async existingServices(services: readonly ScaledService[]) {
    return new Set(services.map(serviceName));
  }
}

const sesEndpoint = inject('sesEndpoint');
const mailTo = async (address: string) =>
  ((await (await fetch(`${sesEndpoint}/store`)).json()) as { emails: Array<{ subject: string; destination: { to: string[] } }> }).emails.filter((m) => m.destination.to.includes(address));

let deps: Deps;
let compute: RecordingCompute;
let clock: Date;
let n = 0;

/** Stripe's side: the local billing, keeping customers and subscriptions in a file, as on the embedded default. */
let stripe: LocalBilling;
/** Events Stripe sent and nobody delivered yet (`live` off): delivered later, in whatever order a test chooses. */
let outbox: SignedEvent[];
/** On: each event Stripe sends is delivered at once (as Stripe does when all is well). */
let live: boolean;
const billingDir = tempDir('launchpad-billing-');

type SignedEvent = { payload: string; signature: string; type: string };

async function activeTrial(trialEndsAt = '2026-12-10T10:00:00.000Z'): Promise<Tenant> {
  const id = `t-${Date.now().toString(36)}-${++n}`;
  const at = '2026-11-26T10:00:00.000Z';
  const tenant: Tenant = {
    tenantId: id, subdomain: `bill-${id}`, companyName: `Billing ${n}`, adminName: 'Bea', adminEmail: `bea+${id}@example.com`, primaryColor: '#123456',
    plan: 'trial', status: 'PENDING', createdAt: at, updatedAt: at, steps: {}, urls: { app: `https://bill-${id}.spaceos.io` }, version: 1,
    // A trial is a verified signup's (functions/tenant/email-verification.ts).
    emailVerifiedAt: at,
  };
  await deps.signups.createSignup(tenant);
  await deps.tenants.transition(id, 'PROVISIONING', at);
  await deps.tenants.transition(id, 'ACTIVE', at, { trialEndsAt });
  return (await deps.tenants.getTenant(id))!;
}

const event = (type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)) =>
  JSON.stringify({ id: `evt_${Math.random().toString(36).slice(2)}`, object: 'event', created, type, livemode: false, data: { object } });
const deliver = (payload: string, signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET })) =>
  createStripeWebhookHandler(deps)(apiEvent({ method: 'POST', path: '/api/webhooks/stripe', body: payload, headers: { 'stripe-signature': signature } }));
const send = (e: SignedEvent) => deliver(e.payload, e.signature);
/** As Stripe does: a delivery answered 409 or 500 is sent again (here at once) until it is taken. */
async function sendUntilTaken(e: SignedEvent) {
  for (let attempt = 1; ; attempt++) {
    const result = await send(e);
    if (result.statusCode === 200) return result;
    if (attempt === 50) throw new Error(`${e.type} still answered ${result.statusCode} after 50 deliveries: ${result.body}`);
    await new Promise((resolve) => setTimeout(resolve, 10 * attempt)); // Stripe backs off too
  }
}
const take = () => outbox.splice(0);
const typesOf = (events: SignedEvent[]) => events.map((e) => e.type);

/** The admin's checkout for the tenant, through Launchpad's own checkout request; the session id. */
async function openCheckout(tenant: Tenant): Promise<string> {
  const result = await checkoutRequest(tenant);
  expect(result.statusCode, result.body).toBe(200);
  return /\/local-stripe\/checkout\/([\w-]+)$/.exec(JSON.parse(result.body ?? '{}').url)![1]!;
}
const checkoutRequest = async (tenant: Tenant) =>
  createCheckoutHandler(deps)(apiEvent({ method: 'POST', path: `/api/tenants/${tenant.tenantId}/checkout`, pathParameters: { id: tenant.tenantId }, body: { token: await deps.links.sign(tenant.tenantId, clock) } }));

/** Pays a checkout (Stripe's side): the subscription it created. */
async function pay(sessionId: string) {
  await stripe.pay(sessionId);
  const customerId = stripe.session(sessionId)!.customerId!;
  return stripe.subscriptionsOf(customerId).at(-1)!;
}
/** Checkout opened and paid: the subscription. */
const upgrade = async (tenant: Tenant) => pay(await openCheckout(tenant));

beforeEach(async () => {
  compute = new RecordingCompute();
  clock = new Date('2026-11-26T12:00:00.000Z');
  outbox = [];
  live = false;
  stripe = new LocalBilling('http://localhost:3000', TEST_WEBHOOK_SECRET, {
    file: join(billingDir, `billing-${randomUUID()}.json`),
    send: async (payload, signature) => {
      const signed = { payload, signature, type: (JSON.parse(payload) as { type: string }).type };
      if (live) await sendUntilTaken(signed);
      else outbox.push(signed);
    },
    log: () => undefined,
  });
  deps = { ...(await localDeps(new RecordingWorkflows())), compute, mail: new SesMail(sesClient(sesEndpoint), { checkDomainVerification: false }), now: () => clock, billing: stripe };
});

afterAll(() => rmSync(billingDir, { recursive: true, force: true }));

describe('Stripe webhook', () => {
  it.each([
    ['a wrong signature', (p: string) => deliver(p, Stripe.webhooks.generateTestHeaderString({ payload: p, secret: 'whsec_someone_else' }))],
    ['a stale timestamp', (p: string) => deliver(p, Stripe.webhooks.generateTestHeaderString({ payload: p, secret: TEST_WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 }))],
    ['a re-serialised body', (p: string) => deliver(JSON.stringify(JSON.parse(p), null, 2), Stripe.webhooks.generateTestHeaderString({ payload: p, secret: TEST_WEBHOOK_SECRET }))],
    ['no signature', (p: string) => createStripeWebhookHandler(deps)(apiEvent({ method: 'POST', path: '/api/webhooks/stripe', body: p }))],
  ])('answers 400 to %s and changes nothing', async (_, sendAs) => {
    const tenant = await activeTrial();
    await upgrade(tenant);
    const completed = take().find((e) => e.type === 'checkout.session.completed')!;
    const result = await sendAs(completed.payload);
    expect(result.statusCode).toBe(400);
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ plan: 'trial', status: 'ACTIVE', version: tenant.version });
    expect(compute.scaled).toEqual([]);
  });

  it('applies an event delivered 10 times at once exactly once: one upgrade, one resize, one thank-you mail', async () => {
    const tenant = await activeTrial();
    const subscription = await upgrade(tenant);
    const completed = take().find((e) => e.type === 'checkout.session.completed')!;
    const results = await Promise.all(Array.from({ length: 10 }, () => send(completed)));
    // One delivery does the work; one arriving meanwhile is asked to retry (409), one after it is a duplicate (200).
    expect(results.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 409)).toBe(true);
    expect(JSON.parse((await send(completed)).body ?? '{}')).toMatchObject({ duplicate: true });
    const after = await deps.tenants.getTenant(tenant.tenantId);
    expect(after).toMatchObject({ plan: 'paid', status: 'ACTIVE', stripeCustomerId: subscription.customerId, stripeSubscriptionId: subscription.id });
    expect(after?.trialEndsAt).toBeUndefined();
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=2`, `${tenant.subdomain}-stg=1`]);
    expect((await mailTo(tenant.adminEmail)).map((m) => m.subject)).toEqual([`Thank you: ${tenant.companyName} is on spaceOS Business`]);
  });

  it('asks a delivery arriving while another works on the event to retry, and takes over from one that died', async () => {
    const tenant = await activeTrial();
    await upgrade(tenant);
    const completed = take().find((e) => e.type === 'checkout.session.completed')!;
    compute.scaleDelayMs = 1000;
    const first = send(completed);
    await expect.poll(() => compute.scaleStarted, { interval: 10 }).toBeGreaterThan(0); // the first is resizing now
    expect((await send(completed)).statusCode).toBe(409);
    expect((await first).statusCode).toBe(200);
    compute.scaleDelayMs = 0;
    expect(JSON.parse((await send(completed)).body ?? '{}')).toMatchObject({ duplicate: true });
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=2`, `${tenant.subdomain}-stg=1`]);

    // An attempt that died before applying (its lease ran out): the next delivery handles the event.
    const other = await activeTrial();
    await upgrade(other);
    const late = take().find((e) => e.type === 'checkout.session.completed')!;
    const eventId = (JSON.parse(late.payload) as { id: string }).id;
    expect(await deps.stripeEvents.claimEvent(eventId, new Date(clock.getTime() - 120_000), 60_000)).toBe(true);
    expect((await send(late)).statusCode).toBe(200);
    expect(await deps.tenants.getTenant(other.tenantId)).toMatchObject({ plan: 'paid', status: 'ACTIVE' });
  });

  it("finishes an applied upgrade's resize and mail on Stripe's retry when they failed the first time", async () => {
    const tenant = await activeTrial();
    await upgrade(tenant);
    const completed = take().find((e) => e.type === 'checkout.session.completed')!;
    compute.failNextScale = true;
    expect((await send(completed)).statusCode).toBe(500);
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ plan: 'paid', status: 'ACTIVE' });
    expect(await mailTo(tenant.adminEmail)).toHaveLength(0);

    const retried = await send(completed); // Stripe resends the same event
    expect(retried.statusCode).toBe(200);
    expect([...new Set(compute.scaled)].sort()).toEqual([`${tenant.subdomain}-prod=2`, `${tenant.subdomain}-stg=1`]);
    expect((await mailTo(tenant.adminEmail)).map((m) => m.subject)).toEqual([`Thank you: ${tenant.companyName} is on spaceOS Business`]);
    expect(JSON.parse((await send(completed)).body ?? '{}')).toMatchObject({ duplicate: true }); // and then it is done
  });

  it('ends a cancelled customer SUSPENDED and not paid when the older checkout.session.completed arrives after the cancellation (issue 15)', async () => {
    const tenant = await activeTrial();
    const subscription = await upgrade(tenant);
    await stripe.cancel(subscription.customerId); // the portal's cancel, before any event was delivered
    const events = take();
    const deleted = events.find((e) => e.type === 'customer.subscription.deleted')!;
    const completed = events.find((e) => e.type === 'checkout.session.completed')!;
    expect((await send(deleted)).statusCode).toBe(200);
    expect((await send(completed)).statusCode).toBe(200); // Stripe's retry of the checkout, days late
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ status: 'SUSPENDED', plan: 'trial', stripeSubscriptionId: subscription.id });
    // The instances were stopped and never started on the paid plan.
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=0`, `${tenant.subdomain}-stg=0`]);
    expect(await mailTo(tenant.adminEmail)).toHaveLength(0);
  });

  it('upgrades on whichever payment event arrives first; the other then changes nothing', async () => {
    const tenant = await activeTrial();
    await upgrade(tenant);
    const [completed, paid] = take();
    expect(typesOf([completed!, paid!])).toEqual(['checkout.session.completed', 'invoice.paid']);
    expect(JSON.parse((await send(paid!)).body ?? '{}')).toMatchObject({ outcome: 'applied' });
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ plan: 'paid', status: 'ACTIVE' });
    expect(JSON.parse((await send(completed!)).body ?? '{}')).toMatchObject({ outcome: 'unchanged' });
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=2`, `${tenant.subdomain}-stg=1`]);
  });

  it('moves a failed payment to PAST_DUE with a mail to the admin, and back to ACTIVE when paid', async () => {
    const tenant = await activeTrial();
    live = true;
    const subscription = await upgrade(tenant);
    await stripe.failRenewal(subscription.id);
    expect((await deps.tenants.getTenant(tenant.tenantId))?.status).toBe('PAST_DUE');
    expect((await mailTo(tenant.adminEmail)).map((m) => m.subject)).toContain(`Payment failed for ${tenant.companyName}`);
    await stripe.payRenewal(subscription.id);
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ status: 'ACTIVE', plan: 'paid' });
  });

  it('suspends on cancellation and stops the instances', async () => {
    const tenant = await activeTrial();
    live = true;
    const subscription = await upgrade(tenant);
    compute.scaled = [];
    await stripe.cancel(subscription.customerId);
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ status: 'SUSPENDED', plan: 'trial' });
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=0`, `${tenant.subdomain}-stg=0`]);
  });

  it('wakes a suspended trial on the version the fleet reached meanwhile (rollouts pass over stopped instances), before it starts', async () => {
    const tenant = await activeTrial('2026-12-10T10:00:00.000Z');
    await deps.tenants.setAttributes(tenant.tenantId, clock.toISOString(), { appVersion: '1' });
    clock = new Date('2026-12-10T10:00:01.000Z');
    await createTrialSweep(deps)();
    await deps.fleet.setCurrentVersion('2', clock.toISOString()); // a fleet rollout ran while it was stopped
    compute.calls = [];

    live = true;
    await upgrade(tenant);
    expect(compute.calls.slice(0, 2).sort()).toEqual(['deploy prod@2', 'deploy stg@2']);
    expect(compute.calls.slice(2).sort()).toEqual(['scale prod=2', 'scale stg=1']);
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ status: 'ACTIVE', plan: 'paid', appVersion: '2' });
  });

  it('wakes a suspended tenant on its own version when the fleet version was rolled back for it', async () => {
    const tenant = await activeTrial('2026-12-10T10:00:00.000Z');
    await deps.tenants.setAttributes(tenant.tenantId, clock.toISOString(), { appVersion: '1' });
    await deps.fleet.recordRolloutOutcomes('rollout-2-1', '2', [{ tenantId: tenant.tenantId, subdomain: tenant.subdomain, outcome: 'rolled-back', error: 'smoke test failed' }], clock.toISOString());
    await deps.fleet.setCurrentVersion('2', clock.toISOString());
    clock = new Date('2026-12-10T10:00:01.000Z');
    await createTrialSweep(deps)();
    compute.calls = [];

    live = true;
    await upgrade(tenant);
    expect(compute.calls.sort()).toEqual(['scale prod=2', 'scale stg=1']);
    expect((await deps.tenants.getTenant(tenant.tenantId))?.appVersion).toBe('1');
  });

  it('acknowledges events it does not handle', async () => {
    const result = await deliver(event('customer.created', { object: 'customer', id: 'cus_new' }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ outcome: 'ignored' });
  });
});

/** A small seeded generator (mulberry32): a failing order can be replayed with BILLING_SEED. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const shuffle = <T>(items: T[], random: () => number) => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};
const SEED = Number(process.env.BILLING_SEED ?? Date.now() % 1_000_000);
console.info(`Shuffled deliveries: BILLING_SEED=${SEED} (set it to replay the same orders)`);

describe(`a subscription's whole life, however Stripe delivers it (BILLING_SEED=${SEED})`, () => {
  /** Checkout, paid, a renewal's payment failed, paid, cancelled: the events Stripe sends, in its order. */
  async function wholeLife(tenant: Tenant) {
    const subscription = await upgrade(tenant); // checkout.session.completed, invoice.paid
    await stripe.failRenewal(subscription.id); // invoice.payment_failed, customer.subscription.updated
    await stripe.payRenewal(subscription.id); // invoice.paid, customer.subscription.updated
    await stripe.cancel(subscription.customerId); // customer.subscription.deleted
    return subscription;
  }

  /** What the tenant ends as, with the ids of its own life named alike so that lives compare. */
  async function endState(tenant: Tenant, subscription: { id: string; customerId: string }) {
    const t = (await deps.tenants.getTenant(tenant.tenantId))!;
    const last = (env: string) => compute.scaled.filter((s) => s.startsWith(`${tenant.subdomain}-${env}=`)).at(-1)?.split('=')[1];
    return {
      status: t.status, plan: t.plan, trialEndsAt: t.trialEndsAt, paidSince: t.paidSince,
      customer: t.stripeCustomerId === subscription.customerId ? 'its customer' : t.stripeCustomerId,
      subscription: t.stripeSubscriptionId === subscription.id ? 'its subscription' : t.stripeSubscriptionId,
      instances: { prod: last('prod'), stg: last('stg') },
    };
  }

  let inOrder: Awaited<ReturnType<typeof endState>>;
  beforeEach(async () => {
    // Delivered as they happen, each when Stripe sends it: the reference.
    const tenant = await activeTrial();
    live = true;
    const subscription = await wholeLife(tenant);
    live = false;
    inOrder = await endState(tenant, subscription);
    expect(inOrder).toEqual({ status: 'SUSPENDED', plan: 'trial', trialEndsAt: undefined, paidSince: undefined, customer: 'its customer', subscription: 'its subscription', instances: { prod: '0', stg: '0' } });
    expect((await mailTo(tenant.adminEmail)).map((m) => m.subject).sort()).toEqual([`Payment failed for ${tenant.companyName}`, `Thank you: ${tenant.companyName} is on spaceOS Business`]);
  });

  it('ends the same after the whole life when delivered in order late, shuffled (seeded sample), or each twice', async () => {
    const random = seeded(SEED);
    const orders: Array<[string, (events: SignedEvent[]) => SignedEvent[]]> = [
      ['in order, after the fact', (events) => events],
      ...Array.from({ length: 6 }, (_, i): [string, (events: SignedEvent[]) => SignedEvent[]] => [`shuffle ${i + 1}`, (events) => shuffle(events, random)]),
      ['each twice, shuffled', (events) => shuffle([...events, ...events], random)],
      ['reversed', (events) => [...events].reverse()],
    ];
    for (const [name, order] of orders) {
      const tenant = await activeTrial();
      const subscription = await wholeLife(tenant);
      const events = order(take());
      for (const e of events) expect((await send(e)).statusCode, `${name}: ${typesOf(events).join(', ')}`).toBe(200);
      expect(await endState(tenant, subscription), `${name} (BILLING_SEED=${SEED}): ${typesOf(events).join(', ')}`).toEqual(inOrder);
    }
  });

  it('ends the same when every event (and a second copy of each) arrives at once', async () => {
    const tenant = await activeTrial();
    const subscription = await wholeLife(tenant);
    const events = take();
    expect(events).toHaveLength(7);
    await Promise.all([...events, ...events].map((e) => sendUntilTaken(e)));
    expect(await endState(tenant, subscription)).toEqual(inOrder);
  });
});

describe('two checkouts for one trial', () => {
  it('keeps one subscription when both were paid: the other is cancelled and its payment refunded, whatever the order', async () => {
    for (const reversed of [false, true]) {
      const tenant = await activeTrial();
      // Two tabs opened before either was paid: two sessions (no customer yet to reuse one of).
      const [first, second] = [await openCheckout(tenant), await openCheckout(tenant)];
      expect(first).not.toBe(second);
      const a = await pay(first);
      const b = await pay(second);
      const events = take();
      for (const e of reversed ? events.reverse() : events) expect((await send(e)).statusCode).toBe(200);
      // Stripe then tells of the cancellation it was asked for: it changes nothing more.
      for (const e of take()) expect((await send(e)).statusCode).toBe(200);

      const after = (await deps.tenants.getTenant(tenant.tenantId))!;
      expect(after).toMatchObject({ plan: 'paid', status: 'ACTIVE' });
      const [kept, other] = after.stripeSubscriptionId === a.id ? [a, b] : [b, a];
      expect(after.stripeSubscriptionId).toBe(kept.id);
      expect(after.stripeCustomerId).toBe(kept.customerId);
      expect(stripe.subscription(kept.id)).toMatchObject({ status: 'active', payments: [expect.objectContaining({ refunded: false })] });
      expect(stripe.subscription(other.id)).toMatchObject({ status: 'canceled', payments: [expect.objectContaining({ refunded: true })] });
      expect((await mailTo(tenant.adminEmail)).map((m) => m.subject)).toEqual([`Thank you: ${tenant.companyName} is on spaceOS Business`]);
    }
  });

  it('cancels the second and tells ops to refund it by hand when the refund fails', async () => {
    const tenant = await activeTrial();
    const refusingRefunds: Billing = {
      checkoutUrl: (r) => stripe.checkoutUrl(r),
      portalUrl: (r) => stripe.portalUrl(r),
      verify: (body, signature) => stripe.verify(body, signature),
      subscriptions: (customerId) => stripe.subscriptions(customerId),
      cancelSubscription: (id, reason) => stripe.cancelSubscription(id, reason),
      refundLatestPayment: () => Promise.reject(new Error('Refunds are not available for this payment')),
    };
    deps = { ...deps, billing: refusingRefunds };
    const [first, second] = [await openCheckout(tenant), await openCheckout(tenant)];
    const a = await pay(first);
    const b = await pay(second);
    for (const e of take()) expect((await send(e)).statusCode).toBe(200);
    const kept = (await deps.tenants.getTenant(tenant.tenantId))!.stripeSubscriptionId;
    const other = kept === a.id ? b : a;
    expect(stripe.subscription(other.id)).toMatchObject({ status: 'canceled', payments: [expect.objectContaining({ refunded: false })] });
    const alerts = (await mailTo(testPlatform.opsEmail)).filter((m) => m.subject.includes(tenant.subdomain));
    expect(alerts.map((m) => m.subject)).toEqual([`[Launchpad] Refund by hand: duplicate subscription of ${tenant.subdomain}`]);
  });

  it('refuses a checkout while billing already has a live subscription, and reuses the session still open', async () => {
    const tenant = await activeTrial();
    live = true;
    const subscription = await upgrade(tenant);
    await stripe.cancel(subscription.customerId);
    live = false;
    const returning = (await deps.tenants.getTenant(tenant.tenantId))!;
    expect(returning).toMatchObject({ status: 'SUSPENDED', plan: 'trial' });

    // The cancelled customer comes back: two clicks, one session (under the customer it had).
    const session = await openCheckout(returning);
    expect(await openCheckout(returning)).toBe(session);
    await pay(session); // paid, but its events are late (the webhook is failing)
    const again = await checkoutRequest(returning);
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(again.body ?? '{}')).toMatchObject({ errors: { plan: expect.stringContaining('already has a paid subscription') } });
    expect(stripe.subscriptionsOf(subscription.customerId).filter((s) => s.status === 'active')).toHaveLength(1);
  });
});

describe('Stripe event ledger', () => {
  const LEASE = 60_000;
  const later = (ms: number) => new Date(clock.getTime() + ms);
  const eventId = () => `evt_ledger_${Math.random().toString(36).slice(2)}`;

  it('names each state of a claim, and hands an abandoned one the typed effects stored with its change', async () => {
    const tenant = await activeTrial();
    const id = eventId();
    expect(await deps.stripeEvents.claimEvent(id, clock, LEASE)).toBe(true);
    expect(await deps.stripeEvents.claimEvent(id, clock, LEASE)).toBe(false);
    expect(await deps.stripeEvents.takeOverEvent(id, clock, LEASE)).toEqual({ state: 'busy' });
    // The lease ran out before anything was applied: taken over, nothing left to finish.
    expect(await deps.stripeEvents.takeOverEvent(id, later(LEASE + 1), LEASE)).toEqual({ state: 'abandoned' });

    // This attempt applies the change with its effects, then its effects fail.
    const effects: EventEffects = { tenantId: tenant.tenantId, size: 'paid', wake: false, mail: 'thank-you' };
    const change = { at: later(LEASE + 1).toISOString(), set: { plan: 'paid' as const } };
    expect(await deps.tenants.applyBillingEvent(tenant.tenantId, change, deps.stripeEvents.effectsWrite(id, effects))).toBe('applied');
    await deps.stripeEvents.releaseEventLease(id);
    const takeOver = await deps.stripeEvents.takeOverEvent(id, later(LEASE + 2), LEASE);
    expect(takeOver).toEqual({ state: 'abandoned', effects });
    expectTypeOf(takeOver).toEqualTypeOf<EventTakeOver>();
    if (takeOver.state === 'abandoned') expectTypeOf(takeOver.effects).toEqualTypeOf<EventEffects | undefined>();
    expect(await deps.stripeEvents.takeOverEvent(id, later(LEASE + 3), LEASE)).toEqual({ state: 'busy' });

    await deps.stripeEvents.finishEvent(id, later(LEASE + 4));
    expect(await deps.stripeEvents.takeOverEvent(id, later(10 * LEASE), LEASE)).toEqual({ state: 'done' });
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ plan: 'paid' });
  });

  it('stores no effects when the change is refused, and frees a claim given back', async () => {
    const tenant = await activeTrial();
    const id = eventId();
    expect(await deps.stripeEvents.claimEvent(id, clock, LEASE)).toBe(true);
    // PENDING cannot follow ACTIVE: the change and its effects are written together or not at all.
    const refused = { to: 'PENDING' as const, at: clock.toISOString() };
    expect(await deps.tenants.applyBillingEvent(tenant.tenantId, refused, deps.stripeEvents.effectsWrite(id, { tenantId: tenant.tenantId, size: 'suspended' }))).toBe('stale-or-refused');
    await deps.stripeEvents.releaseEventLease(id);
    expect(await deps.stripeEvents.takeOverEvent(id, later(1), LEASE)).toEqual({ state: 'abandoned' });

    await deps.stripeEvents.releaseEvent(id);
    expect(await deps.stripeEvents.claimEvent(id, later(2), LEASE)).toBe(true);
  });
});

describe('trial sweep (fixed clock)', () => {
  it('reminds 3 days before the end once, suspends at the end, and marks for offboarding after retention', async () => {
    const tenant = await activeTrial('2026-12-10T10:00:00.000Z');
    const sweep = createTrialSweep(deps);

    clock = new Date('2026-12-06T10:00:00.000Z'); // 4 days before: nothing yet
    expect((await sweep()).reminded).not.toContain(tenant.tenantId);
    clock = new Date('2026-12-07T11:00:00.000Z'); // within 3 days
    expect((await sweep()).reminded).toContain(tenant.tenantId);
    expect((await sweep()).reminded).not.toContain(tenant.tenantId); // once
    expect((await mailTo(tenant.adminEmail)).filter((m) => m.subject.includes('days left'))).toHaveLength(1);

    clock = new Date('2026-12-10T10:00:01.000Z'); // over
    expect((await sweep()).suspended).toContain(tenant.tenantId);
    expect((await deps.tenants.getTenant(tenant.tenantId))?.status).toBe('SUSPENDED');
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=0`, `${tenant.subdomain}-stg=0`]);
    expect((await mailTo(tenant.adminEmail)).map((m) => m.subject)).toContain(`Your ${tenant.companyName} trial has ended`);

    clock = new Date('2027-01-05T10:00:00.000Z'); // 26 days suspended: kept
    expect((await sweep()).markedForOffboarding).not.toContain(tenant.tenantId);
    clock = new Date('2027-01-10T10:00:02.000Z'); // past 30 days
    expect((await sweep()).markedForOffboarding).toContain(tenant.tenantId);
    expect((await deps.tenants.getTenant(tenant.tenantId))?.offboardingRequestedAt).toBe(clock.toISOString());
  });

  it('leaves paid tenants alone', async () => {
    const tenant = await activeTrial('2026-12-10T10:00:00.000Z');
    live = true;
    await upgrade(tenant);
    clock = new Date('2026-12-20T10:00:00.000Z');
    const result = await createTrialSweep(deps)();
    expect([...result.reminded, ...result.suspended]).not.toContain(tenant.tenantId);
    expect((await deps.tenants.getTenant(tenant.tenantId))?.status).toBe('ACTIVE');
  });
});
