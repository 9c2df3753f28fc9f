import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSignupHandler } from '../../functions/api/signup';
import { createSubdomainAvailabilityHandler } from '../../functions/api/subdomain-availability';
import { subdomainProblem } from '../../shared/subdomain';
import { apiEvent, parseBody, validSignup } from '../support/api-event';
import { sdkDeps, TABLE_NAME } from '../support/deps';

/**
 * Names a company's own zone answers for, or that clients look up on their own: each one served by
 * the wildcard would hand a tenant the company's mail autodiscovery, mail-security policy, proxy
 * configuration, loopback name or a service name. Written out here, not read from the list under
 * test, so that a name dropped from the list fails.
 */
const INFRASTRUCTURE = [
  // mail and mail-client discovery
  'autodiscover', 'autoconfig', 'mta-sts', 'openpgpkey', 'imap', 'pop', 'pop3', 'smtp', 'mail', 'webmail', 'mx1',
  'owa', 'exchange', 'lyncdiscover', 'enterpriseenrollment', 'enterpriseregistration', 'bounce',
  // web and proxy discovery
  'www', 'www2', 'wpad', 'proxy', 'isatap',
  // loopback
  'localhost', 'loopback',
  // name servers, directory, time
  'ns1', 'ns2', 'ns10', 'dns1', 'ldap', 'ntp',
  // our own services
  'api', 'admin', 'status', 'cdn', 'static', 'assets', 'app', 'ftp', 'vpn',
];

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  dynamo.reset();
  sfn.reset();
});

describe('infrastructure names cannot be chosen as subdomains', () => {
  it.each(INFRASTRUCTURE)('%s is refused as reserved', (name) => {
    expect(subdomainProblem(name)).toBe('This name is reserved');
  });

  it.each(INFRASTRUCTURE)('a signup for %s gets 400 naming the subdomain field, and nothing is written or started', async (name) => {
    const result = await createSignupHandler(sdkDeps())(apiEvent({ method: 'POST', path: '/api/signups', body: validSignup({ subdomain: name.toUpperCase() }) }));
    expect(result.statusCode).toBe(400);
    expect(parseBody(result).errors).toEqual({ subdomain: 'This name is reserved' });
    expect(dynamo.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it.each(INFRASTRUCTURE)('the availability check says %s is reserved and suggests a name that is not', async (name) => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAME]: [] } });
    const result = await createSubdomainAvailabilityHandler(sdkDeps())(apiEvent({ path: `/api/subdomains/${name}`, pathParameters: { name } }));
    const body = parseBody(result) as { available: boolean; reason?: string; suggestion?: string };
    expect(body).toMatchObject({ available: false, reason: 'This name is reserved' });
    expect(body.suggestion).toBeDefined();
    expect(INFRASTRUCTURE).not.toContain(body.suggestion);
    expect(subdomainProblem(body.suggestion!)).toBeUndefined();
  });

  it.each(['_dmarc', '_domainkey', '_mta-sts', '_acme-challenge'])('the service label %s is refused (no underscores)', (name) => {
    expect(subdomainProblem(name)).toBe('Use only lowercase letters, digits and hyphens');
  });

  it.each(['team42', 'room101', 'hub2', 'acme-2', 'mailroom', 'proxyma', 'ns-coworking', 'www-hub', 'a1b'])(
    '%s, an ordinary name with a number or a reserved word inside, is still allowed',
    (name) => {
      expect(subdomainProblem(name)).toBeUndefined();
    },
  );
});
