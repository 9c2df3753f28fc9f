import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';
import { Api } from '../constructs/api';
import type { Data } from '../constructs/data';
import type { Tenancy } from '../constructs/tenancy';
import { functionEnvironment } from '../environment';
import { grantRoutes } from '../route-grants';

/** The API's routes on the Site stack's HTTP API: one function per route, each granted what its route needs. */
export class ApiStack extends Stack {
  readonly api: Api;

  constructor(scope: Construct, id: string, props: StackProps & { config: DeployConfig; data: Data; tenancy: Tenancy; httpApi: IHttpApi; siteUrl: string; provision: IStateMachine }) {
    super(scope, id, props);
    const { config, tenancy, siteUrl, provision } = props;
    const { table, tenantBucket } = props.data;
    const environment = { ...functionEnvironment(this, { config, table, tenancy, tenantBucket, siteUrl }), PROVISION_STATE_MACHINE_ARN: provision.stateMachineArn };
    this.api = new Api(this, 'Api', { httpApi: props.httpApi, environment });
    grantRoutes(this, (entry) => this.api.routeFunctions.get(entry)!, { table, tenantBucket, tenancy, provision });
  }
}
