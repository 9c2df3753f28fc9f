import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import type { Data } from '../constructs/data';
import { Tenancy } from '../constructs/tenancy';

/** What tenants run on: VPC, ECS cluster, HTTPS load balancer, Postgres, Launchpad's secrets, SES identities. */
export class TenancyStack extends Stack {
  readonly tenancy: Tenancy;

  constructor(scope: Construct, id: string, props: StackProps & { config: DeployConfig; data: Data }) {
    super(scope, id, props);
    const { tenantBucket, logBucket } = props.data;
    this.tenancy = new Tenancy(this, 'Tenancy', { config: props.config, tenantBucket, logBucket });

    new CfnOutput(this, 'InstanceLoadBalancer', { value: this.tenancy.loadBalancer.loadBalancerDnsName, description: 'Cloudflare CNAMEs of instances point here' });
    new CfnOutput(this, 'CloudflareTokenSecret', { value: this.tenancy.cloudflareToken.secretName });
    // What the README's remaining steps ask for (npm run ops -- preflight, stripe-setup and wildcard-dns), so none is looked up elsewhere.
    const { config } = props;
    new CfnOutput(this, 'Domain', { value: config.domain, description: 'LAUNCHPAD_DOMAIN for npm run ops' });
    new CfnOutput(this, 'CloudflareZoneId', { value: config.cloudflareZoneId, description: 'LAUNCHPAD_CLOUDFLARE_ZONE_ID for npm run ops -- wildcard-dns and preflight' });
    new CfnOutput(this, 'StripeSecret', { value: this.tenancy.stripeKeys.secretName, description: 'secretKey goes here by hand; npm run ops -- stripe-setup adds webhookSecret' });
    new CfnOutput(this, 'StripePriceId', { value: config.stripePriceId, description: 'LAUNCHPAD_STRIPE_PRICE_ID for npm run ops -- preflight' });
    new CfnOutput(this, 'TenantImage', { value: config.tenantImage, description: 'LAUNCHPAD_TENANT_IMAGE for npm run ops -- preflight' });
    new CfnOutput(this, 'TaskExecutionRoleArn', { value: this.tenancy.executionRole.roleArn, description: 'Pulls the tenant image: an ECR repository in another account must allow this role in its policy' });
    // Easy DKIM's three CNAMEs per sender identity (DNS only in Cloudflare); SES verifies the domain once they resolve.
    this.tenancy.senderIdentities.forEach((identity, i) => {
      const domain = i === 0 ? `clients.${config.domain}` : config.domain;
      new CfnOutput(this, i === 0 ? 'DkimRecordsTenantSenders' : 'DkimRecordsLaunchpadSender', {
        value: identity.dkimRecords.map((r) => `${r.name} CNAME ${r.value}`).join(' ; '),
        description: `CNAME records (DNS only) that verify ${domain} in SES`,
      });
    });
  }
}
