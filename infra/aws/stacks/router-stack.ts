import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import type { Data } from '../constructs/data';
import type { Tenancy } from '../constructs/tenancy';
import { TenantRouterService } from '../constructs/tenant-router';

/**
 * The tenant router: every instance host reaches it through the load balancer's wildcard entry. Its
 * own stack, after Site, because its pages link to the site (the upgrade page of a suspended trial).
 */
export class RouterStack extends Stack {
  readonly router: TenantRouterService;

  constructor(scope: Construct, id: string, props: StackProps & { config: DeployConfig; data: Data; tenancy: Tenancy; siteUrl: string }) {
    super(scope, id, props);
    this.router = new TenantRouterService(this, 'Router', { config: props.config, tenancy: props.tenancy, table: props.data.table, siteUrl: props.siteUrl });
    new CfnOutput(this, 'RouterService', { value: this.router.service.serviceName, description: 'The tenant router service (ECS console: its tasks, logs and scaling)' });
  }
}
