import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import exampleContext from '../../infra/aws/example-context.json';
import { deployConfig } from '../../infra/aws/config';
import { INTERFACE_ENDPOINTS, usableAddresses } from '../../infra/aws/constructs/network';
import { synthStacks } from './synth';

/** The Tenancy stack (it owns the network) synthesized with these settings over the example's. */
const tenancyWith = (context: Record<string, unknown> = {}) => Template.fromStack(synthStacks(context).stacks.tenancy);
const subnetsOf = (template: Template, type: 'Public' | 'Private') =>
  Object.values(template.findResources('AWS::EC2::Subnet', { Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: type }]) } })).map((s) => (s as { Properties: { CidrBlock: string } }).Properties.CidrBlock);

describe('the network (sized for a fleet)', () => {
  it('gives tasks two private /18 subnets by default (32,758 addresses), S3 and DynamoDB gateway endpoints, one NAT gateway and no paid endpoints', () => {
    const tenancy = tenancyWith();
    const privateSubnets = subnetsOf(tenancy, 'Private');
    expect(privateSubnets).toHaveLength(2);
    for (const cidr of privateSubnets) expect(cidr).toMatch(/\/18$/);
    expect(privateSubnets.length * usableAddresses(18)).toBe(32_758);
    for (const service of ['s3', 'dynamodb']) {
      tenancy.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([`.${service}`])]) }) });
    }
    tenancy.resourceCountIs('AWS::EC2::NatGateway', 1);
    expect(Object.keys(tenancy.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))).toHaveLength(0);
  });

  it('takes three zones, a NAT gateway in each and interface endpoints (ECR, Secrets Manager, Logs, STS) when asked, reachable on 443 from the VPC only', () => {
    const tenancy = tenancyWith({ availabilityZones: 3, natPerAz: 'true', interfaceEndpoints: 'true', privateSubnetMask: 19 });
    expect(subnetsOf(tenancy, 'Private')).toHaveLength(3);
    tenancy.resourceCountIs('AWS::EC2::NatGateway', 3);
    const interfaces = Object.values(tenancy.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })) as Array<{ Properties: { PrivateDnsEnabled: boolean; SubnetIds: unknown[] } }>;
    expect(interfaces).toHaveLength(Object.keys(INTERFACE_ENDPOINTS).length);
    for (const endpoint of interfaces) expect(endpoint.Properties).toMatchObject({ PrivateDnsEnabled: true, SubnetIds: expect.any(Array) });
    tenancy.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'AWS service endpoints: HTTPS from inside the VPC',
      SecurityGroupIngress: [Match.objectLike({ FromPort: 443, ToPort: 443, CidrIp: Match.anyValue() })],
    });
  });

  it('refuses subnets the VPC range cannot hold, before any deploy', () => {
    const context: Record<string, unknown> = { ...(exampleContext as Record<string, unknown>), vpcCidr: '10.40.0.0/18', privateSubnetMask: 18 };
    expect(() => deployConfig((key) => context[key])).toThrow(/cannot hold 2 private \/18/);
  });
});
