import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN_SECRET_VARIABLE, ORIGIN_VERIFY_HEADER } from '../../functions/api/http';
import { API_ROUTES } from '../../functions/api/routes';
import { ROUTE_THROTTLES } from '../../infra/aws/constructs/api';
import { PUBLIC_READ_PATHS } from '../../infra/aws/constructs/site';
import { synthStacks, templatesOf } from './synth';

let templates: ReturnType<typeof templatesOf>;
beforeAll(() => {
  templates = templatesOf(synthStacks().stacks);
}, 180_000);

const only = (template: Template, type: string) => {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0]! as [string, { Properties: Record<string, unknown>; DependsOn?: string[] }];
};

describe('API throttles', () => {
  it('gives signup, the mail-sending routes, the Stripe webhook and health each a limit of their own on the stage', () => {
    const [, stage] = only(templates.api, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
      RouteSettings: {
        'POST /api/signups': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
        'POST /api/auth/magic-link': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 5 },
        'POST /api/tenants/{id}/upgrade-link': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 5 },
        'POST /api/webhooks/stripe': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        'GET /api/health': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      },
    });
  });

  it('names only routes that exist, and creates the stage after them (API Gateway refuses settings for unknown routes)', () => {
    const entries = new Set(API_ROUTES.map((r) => r.entry));
    expect(Object.keys(ROUTE_THROTTLES).filter((entry) => !entries.has(entry))).toEqual([]);
    const routes = templates.api.findResources('AWS::ApiGatewayV2::Route') as Record<string, { Properties: { RouteKey: string } }>;
    const [, stage] = only(templates.api, 'AWS::ApiGatewayV2::Stage');
    const routeKeys = Object.values(routes).map((r) => r.Properties.RouteKey);
    expect(Object.keys(stage.Properties.RouteSettings as object).every((key) => routeKeys.includes(key))).toBe(true);
    expect(stage.DependsOn).toEqual(expect.arrayContaining(Object.keys(routes)));
  });
});

describe('only CloudFront reaches the API', () => {
  it('switches the execute-api endpoint off and serves the API on api.<domain> with the instance certificate', () => {
    templates.site.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    templates.site.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.spaceos.example',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000', EndpointType: 'REGIONAL' })],
    });
    templates.api.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { Stage: Match.anyValue(), DomainName: Match.anyValue() });
  });

  it('has CloudFront send /api/* to that name with the origin secret, which the route functions get too', () => {
    const [, distribution] = only(templates.site, 'AWS::CloudFront::Distribution');
    const origins = (distribution.Properties.DistributionConfig as { Origins: Array<{ DomainName: unknown; OriginCustomHeaders?: Array<{ HeaderName: string; HeaderValue: unknown }> }> }).Origins;
    const api = origins.find((o) => o.DomainName === 'api.spaceos.example');
    expect(api?.OriginCustomHeaders).toEqual([{ HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: expect.anything() }]);
    expect(JSON.stringify(api?.OriginCustomHeaders)).toContain('{{resolve:secretsmanager:');

    const functions = Object.values(templates.api.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
    const routeFunctions = functions.filter((f) => f.Properties.Environment?.Variables?.PROVISION_STATE_MACHINE_ARN);
    expect(routeFunctions.length).toBe(API_ROUTES.length);
    for (const fn of routeFunctions) expect(JSON.stringify(fn.Properties.Environment?.Variables?.[ORIGIN_SECRET_VARIABLE])).toContain('{{resolve:secretsmanager:');
  });

  it("outputs every name the README asks to CNAME: the site's CloudFront name and the API's origin target", () => {
    const outputs = templates.site.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.SiteCloudFrontName?.Value)).toMatch(/DomainName/);
    expect(outputs.ApiOriginTarget).toBeDefined();
  });

  it('points nothing at the execute-api endpoint (its URL is the API\'s ApiEndpoint attribute)', () => {
    // `execute-api` itself still appears, rightly: the ARNs API Gateway invokes the functions under.
    for (const template of Object.values(templates)) expect(JSON.stringify(template.toJSON())).not.toContain('"ApiEndpoint"');
  });
});

describe('public reads at the edge', () => {
  it('caches tenant logos (keyed on ?v=, the settings version) and branding.json at CloudFront, and nothing else under /api/*', () => {
    const [, distribution] = only(templates.site, 'AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as { CacheBehaviors: Array<{ PathPattern: string; CachePolicyId: unknown; AllowedMethods: string[]; TargetOriginId: string }> };
    const byPath = new Map(config.CacheBehaviors.map((b) => [b.PathPattern, b]));
    // Listed before /api/*: CloudFront takes the first pattern that matches.
    expect(config.CacheBehaviors.map((b) => b.PathPattern)).toEqual([...PUBLIC_READ_PATHS, '/api/*']);
    const [policyId, policy] = only(templates.site, 'AWS::CloudFront::CachePolicy');
    for (const path of PUBLIC_READ_PATHS) {
      expect(byPath.get(path)).toMatchObject({ CachePolicyId: { Ref: policyId }, AllowedMethods: ['GET', 'HEAD'], TargetOriginId: byPath.get('/api/*')!.TargetOriginId });
    }
    expect(policy.Properties).toMatchObject({
      CachePolicyConfig: {
        DefaultTTL: 0,
        MaxTTL: 86_400,
        ParametersInCacheKeyAndForwardedToOrigin: { QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['v'] }, CookiesConfig: { CookieBehavior: 'none' }, HeadersConfig: { HeaderBehavior: 'none' } },
      },
    });
    // AWS's managed CachingDisabled policy.
    expect(byPath.get('/api/*')!.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
  });
});
