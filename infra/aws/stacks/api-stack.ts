import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IDomainName, IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ORIGIN_SECRET_VARIABLE } from '../../../functions/api/http';
import type { DeployConfig } from '../config';
import { Api } from '../constructs/api';
import type { Data } from '../constructs/data';
import type { Tenancy } from '../constructs/tenancy';
import { functionEnvironment } from '../environment';
import { grantRoutes } from '../route-grants';

/** The API's routes and stage on the Site stack's HTTP API: one function per route, each granted what its route needs. */
export class ApiStack extends Stack {
  readonly api: Api;

  constructor(scope: Construct, id: string, props: StackProps & { config: DeployConfig; data: Data; tenancy: Tenancy; httpApi: IHttpApi; apiDomain: IDomainName; originSecret: ISecret; siteUrl: string; provision: IStateMachine }) {
    super(scope, id, props);
    const { config, tenancy, siteUrl, provision } = props;
    const { table, tenantBucket } = props.data;
    const environment = {
      ...functionEnvironment(this, { config, table, tenancy, tenantBucket, siteUrl }),
      PROVISION_STATE_MACHINE_ARN: provision.stateMachineArn,
      // A dynamic reference, resolved by CloudFormation at deploy: the value is not in the template.
      [ORIGIN_SECRET_VARIABLE]: props.originSecret.secretValue.unsafeUnwrap(),
    };
    this.api = new Api(this, 'Api', { httpApi: props.httpApi, domainName: props.apiDomain, environment });
    grantRoutes(this, (entry) => this.api.routeFunctions.get(entry)!, { table, tenantBucket, tenancy, provision });
  }
}
