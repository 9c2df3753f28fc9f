import Stripe from 'stripe';
import { beforeEach, describe, expect, expectTypeOf, inject, it } from 'vitest';
import { createStripeWebhookHandler } from '../../functions/api/stripe-webhook';
import type { Deps } from '../../functions/deps';
import type { Compute } from '../../functions/providers/compute';
import { SesMail } from '../../functions/providers/mail';
import type { EventEffects, EventTakeOver } from '../../functions/providers/stripe-event-ledger';
import { createTrialSweep } from '../../functions/scheduled/trial-sweep';
import type { Tenant } from '../../shared/tenant';
import { sesClient } from '../../infra/local/emulators';
import { apiEvent } from '../support/api-event';
import { RecordingWorkflows, TEST_WEBHOOK_SECRET } from '../support/deps';
import { localDeps } from '../support/local-table';

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
  async hasService() {
    return true;
  }
}

const sesEndpoint = inject('sesEndpoint');
const mailTo = async (address: string) =>
  ((await (await fetch(`${sesEndpoint}/store`)).json()) as { emails: Array<{ subject: string; destination: { to: string[] } }> }).emails.filter((m) => m.destination.to.includes(address));

let deps: Deps;
let compute: RecordingCompute;
let clock: Date;
let n = 0;

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
const checkoutCompleted = (tenant: Tenant, customer: string, created?: number) =>
  event('checkout.session.completed', { object: 'checkout.session', client_reference_id: tenant.tenantId, customer, subscription: `sub_${customer}` }, created);

beforeEach(async () => {
  compute = new RecordingCompute();
  clock = new Date('2026-11-26T12:00:00.000Z');
  deps = { ...(await localDeps(new RecordingWorkflows())), compute, mail: new SesMail(sesClient(sesEndpoint), { checkDomainVerification: false }), now: () => clock };
});

describe('Stripe webhook', () => {
  it.each([
    ['a wrong signature', (p: string) => deliver(p, Stripe.webhooks.generateTestHeaderString({ payload: p, secret: 'whsec_someone_else' }))],
    ['a stale timestamp', (p: string) => deliver(p, Stripe.webhooks.generateTestHeaderString({ payload: p, secret: TEST_WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 }))],
    ['a re-serialised body', (p: string) => deliver(JSON.stringify(JSON.parse(p), null, 2), Stripe.webhooks.generateTestHeaderString({ payload: p, secret: TEST_WEBHOOK_SECRET }))],
    ['no signature', (p: string) => createStripeWebhookHandler(deps)(apiEvent({ method: 'POST', path: '/api/webhooks/stripe', body: p }))],
  ])('answers 400 to %s and changes nothing', async (_, send) => {
    const tenant = await activeTrial();
    const result = await send(checkoutCompleted(tenant, 'cus_bad'));
    expect(result.statusCode).toBe(400);
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ plan: 'trial', status: 'ACTIVE', version: tenant.version });
    expect(compute.scaled).toEqual([]);
  });

  it('applies an event delivered 10 times at once exactly once: one upgrade, one resize, one thank-you mail', async () => {
    const tenant = await activeTrial();
    const payload = checkoutCompleted(tenant, 'cus_once');
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(payload)));
    // One delivery does the work; one arriving meanwhile is asked to retry (409), one after it is a duplicate (200).
    expect(results.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 409)).toBe(true);
    expect(JSON.parse((await deliver(payload)).body ?? '{}')).toMatchObject({ duplicate: true });
    const after = await deps.tenants.getTenant(tenant.tenantId);
    expect(after).toMatchObject({ plan: 'paid', status: 'ACTIVE', stripeCustomerId: 'cus_once', stripeSubscriptionId: 'sub_cus_once' });
    expect(after?.trialEndsAt).toBeUndefined();
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=2`, `${tenant.subdomain}-stg=1`]);
    expect((await mailTo(tenant.adminEmail)).map((m) => m.subject)).toEqual([`Thank you: ${tenant.companyName} is on spaceOS Business`]);
  });

  it('asks a delivery arriving while another works on the event to retry, and takes over from one that died', async () => {
    const tenant = await activeTrial();
    const payload = checkoutCompleted(tenant, 'cus_slow');
    compute.scaleDelayMs = 1000;
    const first = deliver(payload);
    await expect.poll(() => compute.scaleStarted, { interval: 10 }).toBeGreaterThan(0); // the first is resizing now
    expect((await deliver(payload)).statusCode).toBe(409);
    expect((await first).statusCode).toBe(200);
    compute.scaleDelayMs = 0;
    expect(JSON.parse((await deliver(payload)).body ?? '{}')).toMatchObject({ duplicate: true });
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=2`, `${tenant.subdomain}-stg=1`]);

    // An attempt that died before applying (its lease ran out): the next delivery handles the event.
    const other = await activeTrial();
    const late = checkoutCompleted(other, 'cus_died');
    const eventId = (JSON.parse(late) as { id: string }).id;
    expect(await deps.stripeEvents.claimEvent(eventId, new Date(clock.getTime() - 120_000), 60_000)).toBe(true);
    expect((await deliver(late)).statusCode).toBe(200);
    expect(await deps.tenants.getTenant(other.tenantId)).toMatchObject({ plan: 'paid', status: 'ACTIVE' });
  });

  it("finishes an applied upgrade's resize and mail on Stripe's retry when they failed the first time", async () => {
    const tenant = await activeTrial();
    const payload = checkoutCompleted(tenant, 'cus_retry');
    compute.failNextScale = true;
    expect((await deliver(payload)).statusCode).toBe(500);
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ plan: 'paid', status: 'ACTIVE' });
    expect(await mailTo(tenant.adminEmail)).toHaveLength(0);

    const retried = await deliver(payload); // Stripe resends the same event
    expect(retried.statusCode).toBe(200);
    expect([...new Set(compute.scaled)].sort()).toEqual([`${tenant.subdomain}-prod=2`, `${tenant.subdomain}-stg=1`]);
    expect((await mailTo(tenant.adminEmail)).map((m) => m.subject)).toEqual([`Thank you: ${tenant.companyName} is on spaceOS Business`]);
    expect(JSON.parse((await deliver(payload)).body ?? '{}')).toMatchObject({ duplicate: true }); // and then it is done
  });

  it('ignores a subscription update older than the last event applied', async () => {
    const tenant = await activeTrial();
    const t0 = Math.floor(Date.now() / 1000);
    await deliver(checkoutCompleted(tenant, 'cus_order', t0));
    const older = event('customer.subscription.updated', { object: 'subscription', id: 'sub_cus_order', customer: 'cus_order', status: 'canceled', metadata: { tenantId: tenant.tenantId } }, t0 - 60);
    const result = await deliver(older);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ outcome: 'stale' });
    expect((await deps.tenants.getTenant(tenant.tenantId))?.status).toBe('ACTIVE');
  });

  it('upgrades even when a subscription event of the same second arrives before the checkout', async () => {
    const tenant = await activeTrial();
    const t0 = Math.floor(Date.now() / 1000);
    await deliver(event('customer.subscription.updated', { object: 'subscription', id: 'sub_cus_race', customer: 'cus_race', status: 'active', metadata: { tenantId: tenant.tenantId } }, t0));
    await deliver(checkoutCompleted(tenant, 'cus_race', t0));
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ plan: 'paid', status: 'ACTIVE' });
  });

  it('moves a failed payment to PAST_DUE with a mail to the admin, and back to ACTIVE when paid', async () => {
    const tenant = await activeTrial();
    const t0 = Math.floor(Date.now() / 1000);
    await deliver(checkoutCompleted(tenant, 'cus_late', t0));
    await deliver(event('invoice.payment_failed', { object: 'invoice', customer: 'cus_late' }, t0 + 10));
    expect((await deps.tenants.getTenant(tenant.tenantId))?.status).toBe('PAST_DUE');
    expect((await mailTo(tenant.adminEmail)).map((m) => m.subject)).toContain(`Payment failed for ${tenant.companyName}`);
    await deliver(event('invoice.paid', { object: 'invoice', customer: 'cus_late' }, t0 + 20));
    expect(await deps.tenants.getTenant(tenant.tenantId)).toMatchObject({ status: 'ACTIVE', plan: 'paid' });
  });

  it('suspends on cancellation and stops the instances', async () => {
    const tenant = await activeTrial();
    const t0 = Math.floor(Date.now() / 1000);
    await deliver(checkoutCompleted(tenant, 'cus_bye', t0));
    compute.scaled = [];
    await deliver(event('customer.subscription.deleted', { object: 'subscription', id: 'sub_cus_bye', customer: 'cus_bye', status: 'canceled', metadata: { tenantId: tenant.tenantId } }, t0 + 5));
    expect((await deps.tenants.getTenant(tenant.tenantId))?.status).toBe('SUSPENDED');
    expect(compute.scaled.sort()).toEqual([`${tenant.subdomain}-prod=0`, `${tenant.subdomain}-stg=0`]);
  });

  it('wakes a suspended trial on the version the fleet reached meanwhile (rollouts pass over stopped instances), before it starts', async () => {
    const tenant = await activeTrial('2026-12-10T10:00:00.000Z');
    await deps.tenants.setAttributes(tenant.tenantId, clock.toISOString(), { appVersion: '1' });
    clock = new Date('2026-12-10T10:00:01.000Z');
    await createTrialSweep(deps)();
    await deps.fleet.setCurrentVersion('2', clock.toISOString()); // a fleet rollout ran while it was stopped
    compute.calls = [];

    await deliver(checkoutCompleted(tenant, 'cus_back'));
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

    await deliver(checkoutCompleted(tenant, 'cus_stay'));
    expect(compute.calls.sort()).toEqual(['scale prod=2', 'scale stg=1']);
    expect((await deps.tenants.getTenant(tenant.tenantId))?.appVersion).toBe('1');
  });

  it('acknowledges events it does not handle', async () => {
    const result = await deliver(event('customer.created', { object: 'customer', id: 'cus_new' }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ outcome: 'ignored' });
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
    await deliver(checkoutCompleted(tenant, 'cus_paid'));
    clock = new Date('2026-12-20T10:00:00.000Z');
    const result = await createTrialSweep(deps)();
    expect([...result.reminded, ...result.suspended]).not.toContain(tenant.tenantId);
    expect((await deps.tenants.getTenant(tenant.tenantId))?.status).toBe('ACTIVE');
  });
});
