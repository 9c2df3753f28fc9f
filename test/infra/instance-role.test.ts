import { beforeAll, describe, expect, it } from 'vitest';
import { synthStacks, templatesOf } from './synth';

// Tenant isolation on AWS with one role for all instances (issue 16): what a session reaches is
// named by its tags, and only the credentials route and the pool's assigner can start one.

let templates: ReturnType<typeof templatesOf>;
beforeAll(() => {
  templates = templatesOf(synthStacks().stacks);
}, 180_000);

const instanceRole = () => {
  const found = Object.values(templates.tenancy.findResources('AWS::IAM::Role', { Properties: { RoleName: 'launchpad-tenant-instance' } }));
  expect(found).toHaveLength(1);
  return found[0] as { Properties: Record<string, unknown> };
};
/** A Fn::Join's parts as one string (tokens as their JSON), for patterns over an ARN with references in it. */
const joined = (value: unknown) => JSON.stringify(value).replace(/\\"/g, '"');

describe('the shared instance role', () => {
  it('is one role on the tenant path, under the tenant permissions boundary, for at most an hour a session', () => {
    const { Properties } = instanceRole();
    expect(Properties).toMatchObject({ Path: '/launchpad/tenants/', MaxSessionDuration: 3600, PermissionsBoundary: { Ref: expect.stringMatching(/^TenancyTenantTaskBoundary/) } });
  });

  it("reaches only what the session's tags name: its tenant's files, its own sender address, its tenant's SMTP password", () => {
    const policies = instanceRole().Properties.Policies as Array<{ PolicyName: string; PolicyDocument: { Statement: Array<Record<string, unknown>> } }>;
    expect(policies.map((p) => p.PolicyName)).toEqual(['own-resources']);
    const [files, mail, smtp] = policies[0]!.PolicyDocument.Statement;
    expect(files).toMatchObject({ Sid: 'ReadOwnFiles', Effect: 'Allow', Action: 's3:GetObject' });
    expect(joined(files!.Resource)).toMatch(/"\/tenants\/\$\{aws:PrincipalTag\/tenantId\}\/\*"/);
    expect(mail).toMatchObject({ Sid: 'SendAsItself', Effect: 'Allow', Action: ['ses:SendEmail', 'ses:SendRawEmail'], Condition: { StringEquals: { 'ses:FromAddress': '${aws:PrincipalTag/subdomain}@clients.spaceos.example' } } });
    expect(smtp).toMatchObject({ Sid: 'ReadOwnSmtpPassword', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue' });
    expect(joined(smtp!.Resource)).toMatch(/:secret:launchpad\/tenants\/\$\{aws:PrincipalTag\/tenantId\}\/smtp-\?\?\?\?\?\?"/);
    expect(policies[0]!.PolicyDocument.Statement).toHaveLength(3);
  });

  it('trusts only the tagged credentials route and pool assigner, with sts:TagSession, all three tags and no others', () => {
    const trust = instanceRole().Properties.AssumeRolePolicyDocument as { Statement: Array<Record<string, unknown>> };
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toEqual({
      Effect: 'Allow',
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Principal: { AWS: expect.anything() },
      Condition: {
        StringEquals: { 'aws:PrincipalTag/launchpad:role': ['pool-assigner', 'instance-credentials'] },
        // Never a role on the tenant path (this one included), whatever tags it got.
        ArnNotLike: { 'aws:PrincipalArn': expect.anything() },
        StringLike: { 'aws:RequestTag/tenantId': '?*', 'aws:RequestTag/subdomain': '?*', 'aws:RequestTag/environment': '?*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenantId', 'subdomain', 'environment'] },
      },
    });
    expect(joined(trust.Statement[0]!.Principal)).toMatch(/:iam::123456789012:root"/);
    expect(joined((trust.Statement[0]!.Condition as { ArnNotLike: unknown }).ArnNotLike)).toMatch(/:role\/launchpad\/tenants\/\*"/);
  });

  it('tags the credentials route as the role trusts it, and its function knows the role ARN', () => {
    const routeRoles = Object.entries(templates.api.findResources('AWS::IAM::Role')).filter(([, role]) => JSON.stringify(role).includes('"Value":"instance-credentials"'));
    expect(routeRoles.map(([id]) => id)).toEqual([expect.stringMatching(/^Apiinstancecredentials/)]);
    const vending = Object.values(templates.api.findResources('AWS::Lambda::Function', { Properties: { Role: { 'Fn::GetAtt': [routeRoles[0]![0], 'Arn'] } } }));
    expect(vending).toHaveLength(1);
    expect(joined((vending[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables.INSTANCE_ROLE_ARN)).toMatch(/:role\/launchpad\/tenants\/launchpad-tenant-instance"/);
  });
});
