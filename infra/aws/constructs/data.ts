import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { TABLE } from '../../../functions/providers/table';
import { SEED_PREFIX } from '../../../shared/instance';

/** A private, encrypted, TLS-only bucket; what every bucket of Launchpad starts from. */
export function privateBucket(scope: Construct, id: string, props: { accessLogs?: Bucket; versioned?: boolean; objectOwnership?: ObjectOwnership } = {}): Bucket {
  return new Bucket(scope, id, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: props.versioned ?? false,
    objectOwnership: props.objectOwnership ?? ObjectOwnership.BUCKET_OWNER_ENFORCED,
    ...(props.accessLogs ? { serverAccessLogsBucket: props.accessLogs, serverAccessLogsPrefix: `${id}/` } : {}),
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The tenant table, the tenant-assets bucket (with the seed assets) and the access-log bucket. */
export class Data extends Construct {
  readonly table: TableV2;
  readonly tenantBucket: Bucket;
  readonly logBucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const string = (name: string) => ({ name, type: AttributeType.STRING });
    this.table = new TableV2(this, 'Tenants', {
      partitionKey: string(TABLE.partitionKey),
      sortKey: string(TABLE.sortKey),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        { indexName: TABLE.byStatusIndex.name, partitionKey: string(TABLE.byStatusIndex.partitionKey), sortKey: string(TABLE.byStatusIndex.sortKey) },
      ],
    });

    // Access logs of every other bucket, the load balancer and CloudFront land here.
    this.logBucket = privateBucket(this, 'AccessLogs', { objectOwnership: ObjectOwnership.OBJECT_WRITER });
    this.logBucket.addLifecycleRule({ expiration: Duration.days(90) });
    this.tenantBucket = privateBucket(this, 'TenantAssets', { versioned: true, accessLogs: this.logBucket });

    new BucketDeployment(this, 'SeedAssets', {
      sources: [Source.asset('infra/seed-assets', { exclude: ['README.md'] })],
      destinationBucket: this.tenantBucket,
      destinationKeyPrefix: SEED_PREFIX,
      prune: false,
    });
  }
}
