import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { LAMBDA_ESBUILD } from '../lambda-bundling';
import { VendorLayer } from './vendor-layer';

export interface LaunchpadFunctionProps {
  /** Path under functions/ without .ts, e.g. api/signup or steps/create-databases. */
  entry: string;
  environment: Record<string, string>;
  timeout?: Duration;
  vpc?: IVpc;
  securityGroups?: ISecurityGroup[];
  /** Where asynchronous invocations that keep failing go (functions SNS or EventBridge invoke). */
  deadLetterQueue?: IQueue;
}

/**
 * One Lambda for one handler file: bundled from the TypeScript by the local esbuild, ARM,
 * Node 24, traced, with its own log group. Permissions are granted by the caller, per function.
 */
export class LaunchpadFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LaunchpadFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // Its own role without AWS managed policies: logs to its own group, and ENIs only if in a VPC.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `Launchpad function ${props.entry}` });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }));
    if (props.vpc) {
      role.addToPolicy(
        new PolicyStatement({
          actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          resources: ['*'],
        }),
      );
    }
    super(scope, id, {
      role,
      entry: `functions/${props.entry}.ts`,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'launchpad', ...props.environment },
      bundling: {
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        sourcesContent: false, // maps point at the repo's files; keeps the assets small
        target: LAMBDA_ESBUILD.target,
        externalModules: [...LAMBDA_ESBUILD.external],
        // See LAMBDA_ESBUILD: layer modules are required, not imported.
        esbuildArgs: { '--supported:dynamic-import': 'false' },
      },
      // VENDOR_LAYER_MODULES (Stripe, nodemailer, the disposable-domain and suffix lists, yaml): one upload, not one copy per bundle.
      layers: [VendorLayer.of(scope)],
      ...(props.vpc ? { vpc: props.vpc, securityGroups: props.securityGroups } : {}),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
    });
  }
}
