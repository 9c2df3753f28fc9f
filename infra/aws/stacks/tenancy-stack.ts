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
  }
}
