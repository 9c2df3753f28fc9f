import { RemovalPolicy } from 'aws-cdk-lib';
import { FlowLogDestination, GatewayVpcEndpointAwsService, InterfaceVpcEndpointAwsService, IpAddresses, Peer, Port, SecurityGroup, SubnetType, Vpc, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config';

/** The public subnets hold only the load balancer's and the NAT gateways' interfaces. */
export const PUBLIC_SUBNET_MASK = 24;

/**
 * AWS services tenant tasks and Launchpad's VPC functions call on every start or request: image
 * pulls (ECR API and registry), injected secrets, log delivery, and STS (a pool instance assumes
 * its tenant's role when it is assigned). Interface endpoints take them off the NAT gateway.
 */
export const INTERFACE_ENDPOINTS = {
  EcrApi: InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
  SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Sts: InterfaceVpcEndpointAwsService.STS,
} as const;

/** Addresses one subnet of this mask gives tasks: AWS reserves five in every subnet. */
export const usableAddresses = (mask: number) => 2 ** (32 - mask) - 5;

/**
 * The network tenants run in. Created: private subnets sized by `privateSubnetMask` in
 * `availabilityZones` zones (every awake task, pool instance and rolling deploy takes an address),
 * gateway endpoints for S3 and DynamoDB (free, and ECR's image layers come from S3, so most pull
 * bytes skip the NAT gateway), one NAT gateway or one per zone (`natPerAz`: no zone depends on
 * another's), and optionally interface endpoints for the services every task start calls
 * (`interfaceEndpoints`). An existing VPC (`vpcId`) is used as it is: its endpoints are its owner's.
 */
export function launchpadVpc(scope: Construct, config: DeployConfig): IVpc {
  if (config.vpcId) return Vpc.fromLookup(scope, 'Vpc', { vpcId: config.vpcId });
  const vpc = new Vpc(scope, 'Vpc', {
    ipAddresses: IpAddresses.cidr(config.vpcCidr),
    maxAzs: config.availabilityZones,
    natGateways: config.natPerAz ? config.availabilityZones : 1,
    subnetConfiguration: [
      { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: PUBLIC_SUBNET_MASK },
      { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: config.privateSubnetMask },
    ],
    gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 }, DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
    flowLogs: { rejected: { destination: FlowLogDestination.toCloudWatchLogs(new LogGroup(scope, 'FlowLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY })) } },
  });
  if (config.interfaceEndpoints) {
    const endpoints = new SecurityGroup(scope, 'EndpointSg', { vpc, description: 'AWS service endpoints: HTTPS from inside the VPC', allowAllOutbound: false });
    endpoints.addIngressRule(Peer.ipv4(vpc.vpcCidrBlock), Port.tcp(443), 'HTTPS from the VPC');
    for (const [id, service] of Object.entries(INTERFACE_ENDPOINTS)) {
      vpc.addInterfaceEndpoint(id, { service, privateDnsEnabled: true, securityGroups: [endpoints], subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } });
    }
  }
  return vpc;
}
