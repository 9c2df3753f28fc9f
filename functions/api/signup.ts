import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { signupSchema, type Signup, type SignupAccepted } from '../../shared/signup';
import { isEmailVerified, type Tenant } from '../../shared/tenant';
import { VERIFICATION_HOURS } from '../../shared/verification';
import type { CheckInbox } from '../../shared/api-bodies';
import type { Deps } from '../deps';
import { sendVerificationMail } from '../tenant/verification-mail';
import { sendExistingInstanceMail, sendRemovedInstanceMail } from '../tenant/existing-instance-mail';
import { SIGNUP_LIMITS } from '../../shared/signup-limits';
import { signupLimitReached } from '../tenant/signup-limits';
import { checkCaptcha } from '../tenant/captcha';
import { badRequest, clientAddress, header, json, tooManyRequests, validBody, type ApiEvent, type ApiHandler } from './http';
import { clientLimitKey } from './client-key';
import { lambdaEntry } from '../lambda/entry';
import { dns } from '../lambda/dns';
import { shadowedByZone } from '../tenant/zone';
import { core, platform } from '../lambda/core';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { links } from '../lambda/keys';
import { tables } from '../lambda/tables';
import { workflows } from '../lambda/workflows';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const idempotencyKeySchema = z.string().check(
  z.regex(/^[A-Za-z0-9._:-]{8,128}$/, 'Use 8-128 letters, digits or . _ : -, e.g. a UUID'),
);

export const statusUrlOf = (tenantId: string) => `/api/tenants/${tenantId}/status`;

/** A self-signup's new tenant: PENDING, a trial, to be verified by `verifyBy` (ops create theirs from it too, functions/ops/create-on-behalf.ts). */
export function newTenant(signup: Pick<Signup, 'subdomain' | 'companyName' | 'adminName' | 'adminEmail' | 'primaryColor'>, tenantId: string, now: string): Tenant {
  return {
    verifyBy: new Date(Date.parse(now) + VERIFICATION_HOURS * 3_600_000).toISOString(),
    tenantId,
    subdomain: signup.subdomain,
    companyName: signup.companyName,
    adminName: signup.adminName,
    adminEmail: signup.adminEmail,
    primaryColor: signup.primaryColor,
    plan: 'trial',
    status: 'PENDING',
    createdAt: now,
    updatedAt: now,
    steps: {},
    urls: {},
    version: 1,
  };
}

const TAKEN_MESSAGES = {
  subdomain: 'This address is already taken; try another one',
  // Only for a claim with no tenant behind it (a removed instance's address gets the 202 and a mail saying why).
  adminEmail: 'This email cannot start a new trial just now; try again later or use another email',
} as const;

/** Over the per-signup limit of mails to a taken address: one sentence whichever mail it was, so it tells nothing either. */
const MAILED_TOO_OFTEN = 'We already mailed this address a few times; check the inbox (and spam folder), or try again later';

type SignupDeps = Pick<Deps, 'dns' | 'links' | 'logger' | 'mail' | 'newId' | 'now' | 'platform' | 'rateLimits' | 'secrets' | 'signIns' | 'signups' | 'tenants' | 'workflows'>;

const DISPOSABLE_MESSAGE = 'Use your work email: addresses of disposable mail services are not accepted';

/**
 * mailchecker's maintained list of disposable mail domains (from the vendor layer in Lambda):
 * loaded on the first valid form, since building its ~56,000-entry set takes a noticeable part of a
 * cold start that requests refused earlier need not pay.
 */
const isDisposable = async (email: string) => !(await import('mailchecker')).default.isValid(email);

/**
 * POST /api/signups: claim the subdomain and email, store the tenant, start provisioning, and mail
 * the verification link. Provisioning starts at once (speed), but the instance is handed over (trial
 * clock, welcome mail, instance links) only once the admin opens that link. Limited per client
 * address, per email domain and in total; disposable mail domains refused. An email a live tenant
 * holds answers 202 `{checkInbox}` and mails that address (mailEmailHolder), not a 409 naming it a customer's.
 */
export function createSignupHandler(deps: SignupDeps): ApiHandler {
  const { dns, signups, tenants, workflows, logger, now, newId } = deps;
  const accepted = async (tenantId: string) => {
    // Start failures are not the visitor's problem: the tenant stays PENDING and the reconciler
    // starts it again under the same execution name.
    try {
      await workflows.startProvisioning({ tenantId });
    } catch (error) {
      logger.error('Provisioning did not start; the reconciler will retry', { tenantId, error });
    }
    // No admin token here: whoever submitted the form has proven nothing yet (the verification gives it).
    const body: SignupAccepted = { tenantId, statusUrl: statusUrlOf(tenantId) };
    return json(202, body, { location: body.statusUrl });
  };
  const mailVerification = async (tenant: Pick<Tenant, 'tenantId' | 'adminEmail'>) => {
    try {
      await sendVerificationMail(deps, tenant);
    } catch (error) {
      // Signing up again with the same email resends it; an unverified signup is removed after a day.
      logger.error('Verification mail not sent', { tenantId: tenant.tenantId, error });
    }
  };

  /** A mail to the address of a taken email; the answer stays the same if it fails (the owner can ask for a sign-in link on the sign-in page). */
  const mailTakenAddress = async (tenant: Pick<Tenant, 'tenantId' | 'adminEmail'>, what: string, send: () => Promise<void>) => {
    try {
      await send();
      logger.info(`${what} sent to the address of a taken email`, { tenantId: tenant.tenantId });
    } catch (error) {
      logger.error(`${what} for a taken email not sent`, { tenantId: tenant.tenantId, error });
    }
  };

  /**
   * The email is claimed by a live tenant: its address gets a mail (limited per tenant), the
   * confirmation link again if never confirmed, else a sign-in link to its instance; the answer is
   * the same either way (a 409 would tell anyone the address is a customer's), also for an instance
   * removed recently (its claims are held through the cooling-off: the mail says why nothing was set
   * up). Undefined only when the claim has no tenant behind it.
   */
  const mailEmailHolder = async (email: string, at: Date) => {
    const holder = await signups.emailClaimHolder(email);
    const tenant = holder ? await tenants.getTenant(holder) : undefined;
    if (!tenant) return undefined;
    const limit = await deps.rateLimits.hit(`verify-resend:${tenant.tenantId}`, SIGNUP_LIMITS.resendsPerSignupPerHour, 3_600_000, at);
    if (!limit.allowed) return tooManyRequests(limit.retryAfterSeconds, MAILED_TOO_OFTEN);
    if (tenant.status === 'DELETING' || tenant.status === 'DELETED') await mailTakenAddress(tenant, 'Removed-instance notice', () => sendRemovedInstanceMail(deps, tenant));
    else if (isEmailVerified(tenant)) await mailTakenAddress(tenant, 'Sign-in link', () => sendExistingInstanceMail(deps, tenant));
    else {
      await mailVerification(tenant);
      logger.info('Verification mail sent again', { tenantId: tenant.tenantId });
    }
    const body: CheckInbox = { checkInbox: true };
    return json(202, body);
  };

  return async (event: ApiEvent) => {
    const parsed = validBody(event, signupSchema);
    if (!parsed.ok) return parsed.response;
    if (await isDisposable(parsed.value.adminEmail)) return badRequest({ adminEmail: DISPOSABLE_MESSAGE });
    const human = await checkCaptcha(deps, parsed.value.captchaToken, clientAddress(event));
    if (human === 'refused') return badRequest({ captchaToken: 'Please complete the check that you are a person' });
    if (human === 'unavailable') return json(503, { error: 'We could not check that you are a person just now; try again in a minute' });
    const limited = await signupLimitReached(deps, clientLimitKey(event), parsed.value.adminEmail);
    if (limited) {
      // The saved Logs Insights query "Signups refused by limit" reads these lines (which limit, by its message).
      logger.warn('Signup refused by limit', { limit: limited.message, retryAfterSeconds: limited.retryAfterSeconds });
      return tooManyRequests(limited.retryAfterSeconds, limited.message);
    }

    const rawKey = header(event, IDEMPOTENCY_HEADER);
    let idempotency;
    if (rawKey !== undefined) {
      const key = idempotencyKeySchema.safeParse(rawKey);
      if (!key.success) return badRequest({ [IDEMPOTENCY_HEADER]: key.error.issues[0]?.message ?? 'Invalid key' });
      // The CAPTCHA answer is single use: a retried submit carries a fresh one and is still the same form.
      const { captchaToken: _answer, ...form } = parsed.value;
      const requestHash = createHash('sha256').update(JSON.stringify(form)).digest('hex');
      idempotency = { key: key.data, requestHash };
    }

    // A name with its own record in the zone would never reach the router (the wildcard does not answer it).
    if (await shadowedByZone(dns, parsed.value.subdomain)) return json(409, { errors: { subdomain: TAKEN_MESSAGES.subdomain } });
    const tenant = newTenant(parsed.value, newId(), now().toISOString());
    const result = await signups.createSignup(tenant, idempotency);
    switch (result.kind) {
      case 'created':
        logger.info('Signup accepted', { tenantId: tenant.tenantId, subdomain: tenant.subdomain });
        await mailVerification(tenant);
        return accepted(tenant.tenantId);
      case 'replayed':
        logger.info('Signup replayed for its idempotency key', { tenantId: result.tenantId });
        return accepted(result.tenantId);
      case 'idempotency-key-reused':
        return json(422, { errors: { [IDEMPOTENCY_HEADER]: 'This key was already used for a different signup' } });
      case 'taken':
        // The subdomain's 409 alone, even when the email is taken too: the answer must not tell that.
        if (result.fields.includes('subdomain')) return json(409, { errors: { subdomain: TAKEN_MESSAGES.subdomain } });
        return (await mailEmailHolder(tenant.adminEmail, now())) ?? json(409, { errors: { adminEmail: TAKEN_MESSAGES.adminEmail } });
    }
  };
}

export const handler = lambdaEntry(createSignupHandler, () => ({ ...core(), dns: dns(), links: links(), mail: mail(), platform: platform(), rateLimits: tables().rateLimits, secrets: secrets(), signIns: tables().signIns, signups: tables().signups, tenants: tables().tenants, workflows: workflows() }));
