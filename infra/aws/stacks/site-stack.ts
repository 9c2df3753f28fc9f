import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { siteOrigin, type DeployConfig } from '../config';
import { ApiGateway } from '../constructs/api';
import type { Data } from '../constructs/data';
import { Site } from '../constructs/site';

/**
 * What visitors reach: the signup site on CloudFront and the HTTP API's endpoint and stage that it
 * forwards /api/* to. The API's routes and their functions are added by the Api stack.
 *
 * Why the endpoint lives here: every function links to the site (SITE_URL), which without a site
 * certificate is CloudFront's generated name, while CloudFront needs the API's generated endpoint.
 * In one stack CloudFormation orders that by resource; across stacks it would be a cycle. So this
 * stack comes before every stack with functions, which take `siteUrl` by a cross-stack reference.
 */
export class SiteStack extends Stack {
  readonly gateway: ApiGateway;
  readonly site: Site;
  /** Where links in mails and checkout return URLs point. */
  readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: StackProps & { config: DeployConfig; webDist: string; data: Data }) {
    super(scope, id, props);
    const { config } = props;
    const { logBucket, tenantBucket } = props.data;
    this.gateway = new ApiGateway(this, 'Api', { siteOrigin: siteOrigin(config) });
    this.site = new Site(this, 'Site', {
      webDist: props.webDist,
      api: this.gateway.httpApi,
      logBucket,
      domain: config.domain,
      uploadOrigin: `https://${tenantBucket.bucketRegionalDomainName}`,
      ...(config.siteCertificateArn ? { certificateArn: config.siteCertificateArn } : {}),
    });
    // With a site certificate the URL is known from the settings alone; else it is CloudFront's name.
    this.siteUrl = config.siteCertificateArn ? `https://${config.domain}` : `https://${this.site.distribution.distributionDomainName}`;

    new CfnOutput(this, 'SiteUrl', { value: this.siteUrl });
    new CfnOutput(this, 'ApiUrl', { value: this.gateway.httpApi.apiEndpoint });
  }
}
