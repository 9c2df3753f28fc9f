import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CfnStage, CorsHttpMethod, DomainName, HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination, type IDomainName, type IHttpApi, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES } from '../../../functions/api/routes';
import { LaunchpadFunction } from './launchpad-function';

/**
 * The API's own name, CloudFront's origin for /api/*: the default execute-api endpoint is switched
 * off, and an API without it answers only on a custom domain. `api` is a reserved subdomain
 * (shared/subdomain.ts), so no tenant can take it, and `*.<domain>` (the instance certificate) covers it.
 */
export const apiOriginHost = (domain: string) => `api.${domain}`;

/** Requests per second (steady) and burst of every route not listed in ROUTE_THROTTLES, each route on its own. */
export const STAGE_THROTTLE: ThrottleSettings = { rateLimit: 25, burstLimit: 50 };

/**
 * Per-route limits on the stage, by route entry (functions/api/routes.ts). API Gateway counts each
 * route apart, for every client together: these cap what a flood can cost and keep one busy route
 * from eating the others' share; per-client limits are the functions' (RateLimits). The Stripe
 * webhook and health have budgets of their own, so a burst of signups can never throttle payments
 * or make monitoring see the API as down.
 */
export const ROUTE_THROTTLES: Record<string, ThrottleSettings> = {
  // Public and costly: each signup writes claims and starts a workflow; people sign up once.
  signup: { rateLimit: 5, burstLimit: 10 },
  'verify-email': { rateLimit: 5, burstLimit: 10 },
  // Each of these sends a mail.
  'magic-link': { rateLimit: 2, burstLimit: 5 },
  'upgrade-link': { rateLimit: 2, burstLimit: 5 },
  'create-session': { rateLimit: 5, burstLimit: 10 },
  // Asked as the form is typed in (debounced) and polled by every open status page.
  'subdomain-availability': { rateLimit: 20, burstLimit: 40 },
  'tenant-status': { rateLimit: 50, burstLimit: 100 },
  // Outside the public budget: Stripe delivers in bursts (and retries what it could not), monitors poll health.
  'stripe-webhook': { rateLimit: 50, burstLimit: 100 },
  health: { rateLimit: 5, burstLimit: 10 },
  // Every running instance, about once an hour each (~6/s for 20,000), more as a rollout restarts tasks.
  'instance-credentials': { rateLimit: 50, burstLimit: 100 },
};

/** The stage's route settings (CloudFormation's `RouteSettings`, keyed by route key). */
export function routeSettings(): Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> {
  return Object.fromEntries(
    API_ROUTES.filter((route) => ROUTE_THROTTLES[route.entry]).map((route) => {
      const { rateLimit, burstLimit } = ROUTE_THROTTLES[route.entry]!;
      return [`${route.method} ${route.path}`, { ThrottlingRateLimit: rateLimit!, ThrottlingBurstLimit: burstLimit! }];
    }),
  );
}

/**
 * The public HTTP API itself: CORS for the site only, no execute-api endpoint, and its custom
 * domain (`api.<domain>`, CloudFront's origin). Its routes and stage are added by `Api` (from
 * another stack: the route functions link to the site, and a stage's per-route settings need the
 * routes to exist).
 */
export class ApiGateway extends Construct {
  readonly httpApi: HttpApi;
  readonly domainName: DomainName;

  constructor(scope: Construct, id: string, props: { siteOrigin: string; originHost: string; certificateArn: string }) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: 'launchpad',
      createDefaultStage: false,
      // Only CloudFront, through the custom domain, reaches the API (README "Security").
      disableExecuteApiEndpoint: true,
      corsPreflight: {
        allowOrigins: [props.siteOrigin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: ['content-type', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    this.domainName = new DomainName(this, 'OriginDomain', {
      domainName: props.originHost,
      certificate: Certificate.fromCertificateArn(this, 'OriginCertificate', props.certificateArn),
    });
  }
}

/**
 * The API's routes (one function per route of functions/api/routes.ts) and its throttled stage,
 * mapped to the ApiGateway's custom domain.
 */
export class Api extends Construct {
  readonly routeFunctions = new Map<string, LaunchpadFunction>();
  readonly stage: HttpStage;
  /** The stage's access log (API Gateway's default CLF lines): the Throttled429 metric filter counts 429s in it. */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: { httpApi: IHttpApi; domainName: IDomainName; environment: Record<string, string> }) {
    super(scope, id);
    // The routes keep the construct path HttpApi.addRoutes gives them (Api/HttpApi/<METHOD><path>).
    const routes = new Construct(this, 'HttpApi');
    for (const route of API_ROUTES) {
      const fn = new LaunchpadFunction(this, route.entry, { entry: `api/${route.entry}`, environment: props.environment, timeout: Duration.seconds(route.timeoutSeconds ?? 10) });
      this.routeFunctions.set(route.entry, fn);
      const method = HttpMethod[route.method];
      new HttpRoute(routes, `${method}${route.path}`, { httpApi: props.httpApi, routeKey: HttpRouteKey.with(route.path, method), integration: new HttpLambdaIntegration(`${route.entry}Integration`, fn) });
    }
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: props.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: STAGE_THROTTLE,
      domainMapping: { domainName: props.domainName },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs) },
    });
    const stage = this.stage.node.defaultChild as CfnStage;
    stage.routeSettings = routeSettings();
    // API Gateway refuses route settings for routes that do not exist yet.
    stage.node.addDependency(routes);
  }
}
