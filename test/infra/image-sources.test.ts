import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import exampleContext from '../../infra/aws/example-context.json';
import { deployConfig } from '../../infra/aws/config';
import { APP_CONTEXT, STACK_NAMES } from '../../infra/aws/launchpad';
import { DataStack } from '../../infra/aws/stacks/data-stack';
import { TenancyStack } from '../../infra/aws/stacks/tenancy-stack';
import { ecrImageOf } from '../../functions/providers/image-source';
import { synthStacks, templatesOf } from './synth';

/** The Tenancy stack alone (with the Data stack it takes its buckets from): all the image settings change. */
function tenancyTemplate(context: Record<string, unknown> = {}): Template {
  const app = new App({ context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const config = deployConfig((key) => context[key] ?? (exampleContext as Record<string, unknown>)[key]);
  const env = { account: '123456789012', region: 'eu-west-1' };
  const data = new DataStack(app, STACK_NAMES.data, { env, config });
  return Template.fromStack(new TenancyStack(app, STACK_NAMES.tenancy, { env, config, data: data.data }));
}

const CREDENTIALS = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf';

/** The execution role's policy statements (the role CDK names TaskExecutionRole in the Tenancy stack). */
function executionRoleStatements(template: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('TaskExecutionRole') }] } });
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement);
}
const actions = (statement: { Action: string | string[] }) => [statement.Action].flat();
const pulling = (template: Template) => executionRoleStatements(template).filter((s) => actions(s).includes('ecr:BatchGetImage'));

describe('tenant image sources', () => {
  it('reads ECR references, any account and region; anything else is another registry', () => {
    expect(ecrImageOf('210987654321.dkr.ecr.us-east-1.amazonaws.com/team/spaceos:1.42.0')).toEqual({ registryId: '210987654321', region: 'us-east-1', repository: 'team/spaceos', tag: '1.42.0', partition: 'aws' });
    expect(ecrImageOf(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/spaceos@sha256:${'a'.repeat(64)}`)).toMatchObject({ repository: 'spaceos', digest: `sha256:${'a'.repeat(64)}` });
    expect(ecrImageOf('ghcr.io/acme/spaceos:1.42.0')).toBeUndefined();
    expect(ecrImageOf('public.ecr.aws/acme/spaceos:1.42.0')).toBeUndefined();
  });

  it('refuses registry credentials for an ECR image (ECR is pulled with the execution role)', () => {
    expect(() => deployConfig((key) => ({ ...(exampleContext as Record<string, unknown>), tenantImageCredentialsSecretArn: CREDENTIALS })[key])).toThrow(/tenantImage is in ECR/);
    expect(() => deployConfig((key) => ({ ...(exampleContext as Record<string, unknown>), tenantImage: 'ghcr.io/acme/spaceos:1', tenantImageCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry' })[key])).toThrow(/6-character suffix/);
  });

  it("grants the execution role the image's own ECR repository, in this account or another", () => {
    const own = tenancyTemplate();
    expect(pulling(own).map((s) => s.Resource)).toEqual(['arn:aws:ecr:eu-west-1:123456789012:repository/spaceos']);

    const foreign = tenancyTemplate({ tenantImage: '210987654321.dkr.ecr.us-east-1.amazonaws.com/team/spaceos:1.42.0' });
    expect(pulling(foreign).map((s) => s.Resource)).toEqual(['arn:aws:ecr:us-east-1:210987654321:repository/team/spaceos']);
    foreign.hasOutput('TaskExecutionRoleArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('TaskExecutionRole'), 'Arn'] } });
  });

  it('pulls from another registry with the credentials secret: repositoryCredentials, read on that secret only, no ECR', () => {
    const template = tenancyTemplate({ tenantImage: 'ghcr.io/acme/spaceos:1.42.0', tenantImageCredentialsSecretArn: CREDENTIALS });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'spaceos-pool',
      ContainerDefinitions: [Match.objectLike({ Image: 'ghcr.io/acme/spaceos:1.42.0', RepositoryCredentials: { CredentialsParameter: CREDENTIALS } })],
    });
    const statements = executionRoleStatements(template);
    expect(pulling(template)).toEqual([]);
    expect(statements.filter((s) => actions(s).some((a) => a.startsWith('ecr:')))).toEqual([]);
    const reads = statements.filter((s) => actions(s).includes('secretsmanager:GetSecretValue') && s.Resource === CREDENTIALS);
    expect(reads).toHaveLength(1);
  });
});

describe('stack outputs: every value the README deploy steps ask for', () => {
  it('Tenancy: the settings ops commands read, the secrets to fill, the execution role and the DKIM records', () => {
    const template = tenancyTemplate();
    expect(Object.keys(template.findOutputs('*'))).toEqual(expect.arrayContaining(['InstanceLoadBalancer', 'CloudflareTokenSecret', 'Domain', 'CloudflareZoneId', 'StripeSecret', 'StripePriceId', 'TenantImage', 'TaskExecutionRoleArn', 'DkimRecordsTenantSenders', 'DkimRecordsLaunchpadSender']));
    template.hasOutput('Domain', { Value: 'spaceos.example' });
    template.hasOutput('StripeSecret', { Description: Match.stringLikeRegexp('stripe-setup adds webhookSecret') });
    // Three CNAMEs per identity, from the identity's own DKIM attributes.
    const dkim = JSON.stringify(template.findOutputs('DkimRecordsTenantSenders'));
    for (const n of [1, 2, 3]) expect(dkim).toContain(`DkimDNSTokenName${n}`);
  });

  it('Operations: the alerts topic whose subscription mail is to be confirmed; the others as before', () => {
    const templates = templatesOf(synthStacks().stacks);
    templates.operations.hasOutput('AlertsTopic', { Value: { Ref: Match.stringLikeRegexp('Alerts') } });
    expect(Object.keys(templates.site.findOutputs('*'))).toEqual(expect.arrayContaining(['SiteCloudFrontName', 'ApiOriginTarget']));
    expect(Object.keys(templates.data.findOutputs('*'))).toContain('TableName');
  });
});
