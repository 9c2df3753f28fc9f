import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethods } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ARCHIVE_ROOT } from '../../../shared/instance';
import { siteOrigin, type DeployConfig } from '../config';
import { Data } from '../constructs/data';

/** Offboarded tenants' files and final database dumps (under ARCHIVE_ROOT) are kept this long. */
const ARCHIVE_RETENTION_DAYS = 365;

/** What outlives everything else: the tenant table, the tenant-assets bucket and the access-log bucket. */
export class DataStack extends Stack {
  readonly data: Data;

  constructor(scope: Construct, id: string, props: StackProps & { config: DeployConfig }) {
    super(scope, id, props);
    this.data = new Data(this, 'Data');
    const { table, tenantBucket } = this.data;
    tenantBucket.addLifecycleRule({ id: 'ExpireArchives', prefix: ARCHIVE_ROOT, expiration: Duration.days(ARCHIVE_RETENTION_DAYS), noncurrentVersionExpiration: Duration.days(7) });
    // Logo uploads: the site's browser POSTs them straight to the bucket (presigned by logo-upload).
    tenantBucket.addCorsRule({ allowedMethods: [HttpMethods.POST], allowedOrigins: [siteOrigin(props.config)], allowedHeaders: ['*'], maxAge: 3600 });

    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'LAUNCHPAD_TABLE for npm run ops' });
  }
}
