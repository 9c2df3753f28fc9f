import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createInstanceCredentialsHandler } from '../../functions/api/instance-credentials';
import { InstanceSessions } from '../../functions/providers/tenant-task-roles';
import { CREDENTIALS_PER_TOKEN } from '../../functions/tenant/instance-credentials';
import { instanceToken } from '../../shared/instance-token';
import type { Tenant } from '../../shared/tenant';
import { apiEvent } from '../support/api-event';
import { INSTANCE_ROLE_ARN, sdkDeps } from '../support/deps';
import { tenantFixture } from '../support/tenants';

const dynamo = mockClient(DynamoDBDocumentClient);
const secretsManager = mockClient(SecretsManagerClient);
const sts = mockClient(STSClient);

const token = (tenantId: string, env: 'prod' | 'stg') => instanceToken(tenantId, env, randomBytes(32).toString('base64url'));
const acme = tenantFixture('acme');
const globex = tenantFixture('globex');
const ACME_PROD = token(acme.tenantId, 'prod');
const ACME_STG = token(acme.tenantId, 'stg');
const GLOBEX_PROD = token(globex.tenantId, 'prod');
const STORED: Record<string, string> = {
  [`launchpad/tenants/${acme.tenantId}/prod/instance-token`]: ACME_PROD,
  [`launchpad/tenants/${acme.tenantId}/stg/instance-token`]: ACME_STG,
  [`launchpad/tenants/${globex.tenantId}/prod/instance-token`]: GLOBEX_PROD,
};
let tenants: Tenant[];

const handler = () => createInstanceCredentialsHandler({ ...sdkDeps(), instanceSessions: new InstanceSessions(new STSClient({ region: 'us-east-1' }), INSTANCE_ROLE_ARN) });
/** As the AWS SDKs send it: the token as the whole Authorization header. */
const ask = (authorization?: string) => handler()(apiEvent({ method: 'GET', path: '/api/instance-credentials', headers: { authorization }, sourceIp: '203.0.113.7' }));

beforeEach(() => {
  dynamo.reset();
  secretsManager.reset();
  sts.reset();
  tenants = [acme, globex];
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: tenants.find((t) => input.Key.pk === `TENANT#${t.tenantId}`) }));
  dynamo.on(UpdateCommand).resolves({});
  secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const value = STORED[input.SecretId];
    if (value === undefined) throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    return { SecretString: value };
  });
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAVENDED', SecretAccessKey: 'vended-secret', SessionToken: 'vended-session', Expiration: new Date('2026-11-26T11:00:00.000Z') } });
});

describe('GET /api/instance-credentials', () => {
  it("answers a good token with its tenant's session of the shared role, in the container-credentials format", async () => {
    const result = await ask(ACME_STG);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toEqual({ AccessKeyId: 'ASIAVENDED', SecretAccessKey: 'vended-secret', Token: 'vended-session', Expiration: '2026-11-26T11:00:00.000Z' });
    expect(result.headers?.['cache-control']).toBe('no-store');
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      RoleArn: INSTANCE_ROLE_ARN,
      RoleSessionName: `stg-${acme.tenantId}`,
      DurationSeconds: 3600,
      Tags: [{ Key: 'tenantId', Value: acme.tenantId }, { Key: 'subdomain', Value: 'acme' }, { Key: 'environment', Value: 'stg' }],
    });
    // The token's own secret, and no other.
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([`launchpad/tenants/${acme.tenantId}/stg/instance-token`]);
  });

  it('keeps the session name within STS limits for a UUID tenant id', async () => {
    const uuid = crypto.randomUUID();
    const own = token(uuid, 'prod');
    STORED[`launchpad/tenants/${uuid}/prod/instance-token`] = own;
    tenants.push(tenantFixture('initech', { tenantId: uuid }));
    expect((await ask(own)).statusCode).toBe(200);
    const name = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.RoleSessionName!;
    expect(name).toBe(`prod-${uuid}`);
    expect(name.length).toBeLessThanOrEqual(64);
  });

  const refusals: Array<[string, () => string | undefined, () => void]> = [
    ['no token', () => undefined, () => {}],
    ['something that is not a token', () => 'Bearer abc', () => {}],
    ['a wrong secret for a real tenant', () => instanceToken(acme.tenantId, 'prod', randomBytes(32).toString('base64url')), () => {}],
    // Another tenant's secret under this tenant's id: the secret is compared with this tenant's own.
    ["another tenant's secret under this tenant's id", () => instanceToken(acme.tenantId, 'prod', GLOBEX_PROD.split('.')[2]!), () => {}],
    // acme's production token claiming staging: each environment has its own.
    ["the other environment's token", () => instanceToken(acme.tenantId, 'stg', ACME_PROD.split('.')[2]!), () => {}],
    ['an unknown tenant', () => token('no-such-tenant', 'prod'), () => {}],
    ['an offboarded tenant (token still stored)', () => ACME_PROD, () => (tenants = [tenantFixture('acme', { status: 'DELETED' }), globex])],
    ['a tenant being offboarded', () => ACME_PROD, () => (tenants = [tenantFixture('acme', { status: 'DELETING' }), globex])],
    ['a suspended tenant (its instances are stopped)', () => ACME_PROD, () => (tenants = [tenantFixture('acme', { status: 'SUSPENDED' }), globex])],
  ];

  it.each(refusals)('refuses %s with the same 401 and never assumes the role', async (_, sent, arrange) => {
    arrange();
    const result = await ask(sent());
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body!)).toEqual({ errors: { authorization: 'Not a valid instance token' } });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('vends to a tenant still provisioning: its first tasks read their config before it turns ACTIVE', async () => {
    tenants = [tenantFixture('acme', { status: 'PROVISIONING' })];
    expect((await ask(ACME_PROD)).statusCode).toBe(200);
  });

  it('never logs the token or the credentials', async () => {
    const deps = { ...sdkDeps(), instanceSessions: new InstanceSessions(new STSClient({ region: 'us-east-1' }), INSTANCE_ROLE_ARN) };
    const logged = vi.spyOn(deps.logger, 'info');
    const warned = vi.spyOn(deps.logger, 'warn');
    const call = (authorization: string) => createInstanceCredentialsHandler(deps)(apiEvent({ method: 'GET', path: '/api/instance-credentials', headers: { authorization } }));
    await call(ACME_PROD);
    await call(instanceToken(acme.tenantId, 'prod', randomBytes(32).toString('base64url')));
    const text = JSON.stringify([...logged.mock.calls, ...warned.mock.calls]);
    expect(text).not.toContain(ACME_PROD.split('.')[2]);
    expect(text).not.toContain('vended-secret');
    expect(text).not.toContain('vended-session');
  });

  it('counts each matching token, and answers 429 past its budget without asking STS', async () => {
    await ask(ACME_PROD);
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.Key?.pk).toBe(`RATE#instance-credentials:${acme.tenantId}/prod`);
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues?.[':limit']).toBe(CREDENTIALS_PER_TOKEN.limit);

    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'over', $metadata: {} }));
    sts.resetHistory();
    const result = await ask(ACME_PROD);
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['retry-after']).toBeDefined();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("never spends a tenant's budget on forged tokens naming its id (tenant ids are public)", async () => {
    for (let i = 0; i < 3; i++) await ask(instanceToken(acme.tenantId, 'prod', randomBytes(32).toString('base64url')));
    const counters = dynamo.commandCalls(UpdateCommand).map((c) => String(c.args[0].input.Key?.pk));
    expect(counters.filter((pk) => pk.startsWith('RATE#instance-credentials:'))).toEqual([]);
    expect((await ask(ACME_PROD)).statusCode).toBe(200);
  });

  it("counts refusals per client address (not every request: the fleet shares its NAT's few addresses)", async () => {
    await ask(ACME_PROD);
    await ask('not-a-token');
    const counters = dynamo.commandCalls(UpdateCommand).map((c) => String(c.args[0].input.Key?.pk));
    expect(counters).toEqual([`RATE#instance-credentials:${acme.tenantId}/prod`, 'RATE#instance-credentials-refused:203.0.113.7']);
  });

  it('is not there on the embedded default (no IAM, no sessions to vend)', async () => {
    const result = await createInstanceCredentialsHandler(sdkDeps())(apiEvent({ method: 'GET', path: '/api/instance-credentials', headers: { authorization: ACME_PROD } }));
    expect(result.statusCode).toBe(404);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
