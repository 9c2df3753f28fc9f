import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { siteOrigin, type DeployConfig } from '../config';
import { ApiGateway, apiOriginHost } from '../constructs/api';
import type { Data } from '../constructs/data';
import { Site } from '../constructs/site';

/**
 * What visitors reach: the signup site on CloudFront and the HTTP API with its custom domain
 * (`api.<domain>`) that it forwards /api/* to. The API's routes, their functions and its stage are
 * added by the Api stack.
 *
 * Why the API lives here: every function links to the site (SITE_URL), which without a site
 * certificate is CloudFront's generated name, and the route functions need the origin secret
 * CloudFront sends. So this stack comes before every stack with functions, which take `siteUrl`
 * (and the API, its domain and the secret) by cross-stack references.
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
    const originHost = apiOriginHost(config.domain);
    this.gateway = new ApiGateway(this, 'Api', { siteOrigin: siteOrigin(config), originHost, certificateArn: config.instanceCertificateArn });
    this.site = new Site(this, 'Site', {
      webDist: props.webDist,
      apiOriginHost: originHost,
      logBucket,
      domain: config.domain,
      uploadOrigin: `https://${tenantBucket.bucketRegionalDomainName}`,
      ...(config.siteCertificateArn ? { certificateArn: config.siteCertificateArn } : {}),
    });
    // With a site certificate the URL is known from the settings alone; else it is CloudFront's name.
    this.siteUrl = config.siteCertificateArn ? `https://${config.domain}` : `https://${this.site.distribution.distributionDomainName}`;

    new CfnOutput(this, 'SiteUrl', { value: this.siteUrl });
    // What <domain> is CNAMEd to in Cloudflare (DNS only): with a site certificate SiteUrl is the domain itself.
    new CfnOutput(this, 'SiteCloudFrontName', { value: this.site.distribution.distributionDomainName, description: 'CNAME <domain> to this name in Cloudflare (DNS only)' });
    new CfnOutput(this, 'ApiUrl', { value: `https://${originHost}` });
    // The DNS-only CNAME api.<domain> -> this name, added once in Cloudflare (README "Deploy").
    new CfnOutput(this, 'ApiOriginTarget', { value: this.gateway.domainName.regionalDomainName });
  }
}
