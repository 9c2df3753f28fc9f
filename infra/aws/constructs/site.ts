import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { ORIGIN_VERIFY_HEADER } from '../../../functions/api/http';
import { privateBucket } from './data';

/**
 * Public GETs CloudFront caches (functions/api/logo.ts, branding.ts set how long): every mail a
 * tenant sends embeds its logo, mobile builds read branding.json. Everything else under /api/* is
 * never cached.
 */
export const PUBLIC_READ_PATHS = ['/api/tenants/*/logo', '/api/tenants/*/branding.json'] as const;

/**
 * The signup site: the built web/ in a private bucket behind CloudFront (origin access
 * control), /api/* to the HTTP API on the same origin, client-side routes served index.html.
 * Requests it forwards to the API carry the origin secret, which is how the functions tell its
 * `CloudFront-Viewer-Address` (the client's real address) from one a client wrote itself.
 */
export class Site extends Construct {
  readonly distribution: Distribution;
  readonly bucket: Bucket;
  /** The value CloudFront sends as ORIGIN_VERIFY_HEADER; the route functions get it too. */
  readonly originSecret: Secret;

  constructor(scope: Construct, id: string, props: { webDist: string; apiOriginHost: string; logBucket: Bucket; domain: string; certificateArn?: string; uploadOrigin: string }) {
    super(scope, id);
    if (!existsSync(join(props.webDist, 'index.html'))) {
      throw new Error(`The web app is not built (${props.webDist}/index.html is missing): run \`npm run build\` first (npm run synth does).`);
    }
    const bucket = (this.bucket = privateBucket(this, 'Web', { accessLogs: props.logBucket }));

    // /status/<id> and other client routes are files the bucket does not have: serve the app.
    // (CloudFront error responses would also rewrite the API's real 404s, so not those.)
    const spaFallback = new CloudFrontFunction(this, 'SpaFallback', {
      code: FunctionCode.fromInline(`function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`),
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // blob: for the logo preview; the tenant bucket for presigned logo uploads.
          contentSecurityPolicy: `default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' ${props.uploadOrigin}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'`,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, preload: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });
    this.originSecret = new Secret(this, 'OriginSecret', {
      secretName: 'launchpad/origin-secret',
      description: 'Sent by CloudFront to the API with every /api/* request: marks its CloudFront-Viewer-Address as trustworthy',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    // The origin's name, not the execute-api endpoint: that is disabled (constructs/api.ts).
    const api = new HttpOrigin(props.apiOriginHost, { customHeaders: { [ORIGIN_VERIFY_HEADER]: this.originSecret.secretValue.unsafeUnwrap() } });
    // Keyed on the path and `v` alone (a logo link carries ?v=<settings version>: a new logo is a new
    // key, nothing to invalidate); kept as long as the API's Cache-Control says, a day at most.
    const publicReads = new CachePolicy(this, 'PublicReads', {
      comment: 'Tenant logos and branding.json: path + v, as long as the origin allows',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(1),
      queryStringBehavior: CacheQueryStringBehavior.allowList('v'),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'spaceOS Launchpad signup site',
      defaultRootObject: 'index.html',
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'cloudfront/',
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      ...(props.certificateArn ? { domainNames: [props.domain], certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn) } : {}),
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spaFallback, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        // Public reads every tenant mail and app repeats (PUBLIC_READ_PATHS): cached at the edge, off the API's throttle.
        ...Object.fromEntries(PUBLIC_READ_PATHS.map((path) => [path, { origin: api, viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY, allowedMethods: AllowedMethods.ALLOW_GET_HEAD, cachePolicy: publicReads, responseHeadersPolicy: headers }])),
        '/api/*': {
          origin: api,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          // Every viewer header but Host (the API answers on its own name) plus CloudFront's headers, CloudFront-Viewer-Address among them.
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });
    new BucketDeployment(this, 'Deploy', {
      sources: [Source.asset(props.webDist)],
      destinationBucket: bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
    });
  }
}
