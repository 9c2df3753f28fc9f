import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { signupSchema, type Signup, type SignupAccepted } from '../../shared/signup';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { badRequest, header, json, validBody, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { dns } from '../lambda/dns';
import { shadowedByZone } from '../tenant/zone';
import { core } from '../lambda/core';
import { links } from '../lambda/keys';
import { tables } from '../lambda/tables';
import { workflows } from '../lambda/workflows';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const idempotencyKeySchema = z.string().check(
  z.regex(/^[A-Za-z0-9._:-]{8,128}$/, 'Use 8-128 letters, digits or . _ : -, e.g. a UUID'),
);

export const statusUrlOf = (tenantId: string) => `/api/tenants/${tenantId}/status`;

function newTenant(signup: Signup, tenantId: string, now: string): Tenant {
  return {
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
  adminEmail: 'This email already has a trial; sign in to it or use another email',
} as const;

type SignupDeps = Pick<Deps, 'dns' | 'links' | 'logger' | 'newId' | 'now' | 'signups' | 'workflows'>;

/** POST /api/signups: claim the subdomain and email, store the tenant, start provisioning. */
export function createSignupHandler({ dns, signups, workflows, logger, now, newId, links }: SignupDeps): ApiHandler {
  const accepted = async (tenantId: string) => {
    // Start failures are not the visitor's problem: the tenant stays PENDING and the reconciler
    // starts it again under the same execution name.
    try {
      await workflows.startProvisioning({ tenantId });
    } catch (error) {
      logger.error('Provisioning did not start; the reconciler will retry', { tenantId, error });
    }
    // The admin token goes only to whoever submitted the form (and, later, to the admin's mailbox).
    const body: SignupAccepted = { tenantId, statusUrl: statusUrlOf(tenantId), adminToken: await links.sign(tenantId, now()) };
    return json(202, body, { location: body.statusUrl });
  };

  return async (event: ApiEvent) => {
    const parsed = validBody(event, signupSchema);
    if (!parsed.ok) return parsed.response;

    const rawKey = header(event, IDEMPOTENCY_HEADER);
    let idempotency;
    if (rawKey !== undefined) {
      const key = idempotencyKeySchema.safeParse(rawKey);
      if (!key.success) return badRequest({ [IDEMPOTENCY_HEADER]: key.error.issues[0]?.message ?? 'Invalid key' });
      const requestHash = createHash('sha256').update(JSON.stringify(parsed.value)).digest('hex');
      idempotency = { key: key.data, requestHash };
    }

    // A name with its own record in the zone would never reach the router (the wildcard does not answer it).
    if (await shadowedByZone(dns, parsed.value.subdomain)) return json(409, { errors: { subdomain: TAKEN_MESSAGES.subdomain } });
    const tenant = newTenant(parsed.value, newId(), now().toISOString());
    const result = await signups.createSignup(tenant, idempotency);
    switch (result.kind) {
      case 'created':
        logger.info('Signup accepted', { tenantId: tenant.tenantId, subdomain: tenant.subdomain });
        return accepted(tenant.tenantId);
      case 'replayed':
        logger.info('Signup replayed for its idempotency key', { tenantId: result.tenantId });
        return accepted(result.tenantId);
      case 'idempotency-key-reused':
        return json(422, { errors: { [IDEMPOTENCY_HEADER]: 'This key was already used for a different signup' } });
      case 'taken':
        return json(409, { errors: Object.fromEntries(result.fields.map((f) => [f, TAKEN_MESSAGES[f]])) });
    }
  };
}

export const handler = lambdaEntry(createSignupHandler, () => ({ ...core(), dns: dns(), links: links(), signups: tables().signups, workflows: workflows() }));
