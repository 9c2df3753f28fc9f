import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination, type IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES } from '../../../functions/api/routes';
import { LaunchpadFunction } from './launchpad-function';

/**
 * The public HTTP API itself: its endpoint, CORS for the site only, and the throttled stage. Its
 * routes are added by `Api` (from another stack: the site forwards /api/* to this endpoint, and the
 * route functions link to the site).
 */
export class ApiGateway extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: { siteOrigin: string }) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: 'launchpad',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [props.siteOrigin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: ['content-type', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // Signup is public: cap what one burst of bots can cost (per-route limits can tighten it).
      throttle: { rateLimit: 25, burstLimit: 50 },
      accessLogSettings: { destination: new LogGroupLogDestination(new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY })) },
    });
  }
}

/** The API's routes: one function per route of functions/api/routes.ts, added to the ApiGateway's HTTP API. */
export class Api extends Construct {
  readonly routeFunctions = new Map<string, LaunchpadFunction>();

  constructor(scope: Construct, id: string, props: { httpApi: IHttpApi; environment: Record<string, string> }) {
    super(scope, id);
    // The routes keep the construct path HttpApi.addRoutes gives them (Api/HttpApi/<METHOD><path>).
    const routes = new Construct(this, 'HttpApi');
    for (const route of API_ROUTES) {
      const fn = new LaunchpadFunction(this, route.entry, { entry: `api/${route.entry}`, environment: props.environment, timeout: Duration.seconds(route.timeoutSeconds ?? 10) });
      this.routeFunctions.set(route.entry, fn);
      const method = HttpMethod[route.method];
      new HttpRoute(routes, `${method}${route.path}`, { httpApi: props.httpApi, routeKey: HttpRouteKey.with(route.path, method), integration: new HttpLambdaIntegration(`${route.entry}Integration`, fn) });
    }
  }
}
