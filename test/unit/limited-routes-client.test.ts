import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ORIGIN_SECRET_VARIABLE, ORIGIN_VERIFY_HEADER, type ApiHandler } from '../../functions/api/http';
import { createMagicLinkHandler } from '../../functions/api/magic-link';
import { createUpgradeLinkHandler } from '../../functions/api/upgrade-link';
import { apiEvent } from '../support/api-event';
import { sdkDeps } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
const SECRET = 'deployed-origin-secret-0123456789abcdef';
beforeEach(() => {
  dynamo.reset();
  // No tenant: the handlers count the request and answer without sending anything.
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(UpdateCommand).resolves({});
  vi.stubEnv(ORIGIN_SECRET_VARIABLE, SECRET);
});
afterEach(() => vi.unstubAllEnvs());

/** The partition keys of the rate counters a request touched. */
const counted = () => dynamo.commandCalls(UpdateCommand).map((call) => String(call.args[0].input.Key?.pk));
/** Two people behind the same CloudFront edge (one sourceIp), each request as CloudFront forwards it. */
const viaEdge = (viewer: string, extra: Record<string, string> = {}) => ({ sourceIp: '130.176.1.1', headers: { [ORIGIN_VERIFY_HEADER]: SECRET, 'cloudfront-viewer-address': `${viewer}:40000`, ...extra } });

const routes: Array<[string, (event: ReturnType<typeof apiEvent>) => ReturnType<ApiHandler>, Record<string, unknown>, string]> = [
  ['POST /api/auth/magic-link', (e) => createMagicLinkHandler(sdkDeps())(e), { method: 'POST', path: '/api/auth/magic-link', body: { email: 'anna@acme.com', subdomain: 'acme' } }, 'RATE#magic-ip:'],
  ['POST /api/tenants/{id}/upgrade-link', (e) => createUpgradeLinkHandler(sdkDeps())(e), { method: 'POST', path: '/api/tenants/t-1/upgrade-link', pathParameters: { id: 't-1' } }, 'RATE#upgrade-link-ip:'],
];

describe.each(routes)('%s counts the client, not the CloudFront edge', (_, handle, request, prefix) => {
  it("counts each viewer's own address behind one edge", async () => {
    await handle(apiEvent({ ...request, ...viaEdge('198.51.100.23') }));
    await handle(apiEvent({ ...request, ...viaEdge('203.0.113.9') }));
    expect(counted().filter((pk) => pk.startsWith(prefix))).toEqual([`${prefix}198.51.100.23`, `${prefix}203.0.113.9`]);
  });

  it('ignores a viewer address or X-Forwarded-For sent without the origin secret', async () => {
    await handle(apiEvent({ ...request, sourceIp: '192.0.2.44', headers: { 'cloudfront-viewer-address': '198.51.100.23:1', 'x-forwarded-for': '198.51.100.23' } }));
    expect(counted().filter((pk) => pk.startsWith(prefix))).toEqual([`${prefix}192.0.2.44`]);
  });
});
