import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES } from '../../../functions/api/routes';
import { LaunchpadFunction } from './launchpad-function';

/** The public HTTP API: one function per route of functions/api/routes.ts, throttled, CORS for the site only. */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly routeFunctions = new Map<string, LaunchpadFunction>();
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: { siteOrigin: string; environment: Record<string, string> }) {
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
    for (const route of API_ROUTES) {
      const fn = new LaunchpadFunction(this, route.entry, { entry: `api/${route.entry}`, environment: props.environment, timeout: Duration.seconds(route.timeoutSeconds ?? 10) });
      this.routeFunctions.set(route.entry, fn);
      this.httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration: new HttpLambdaIntegration(`${route.entry}Integration`, fn) });
    }
  }
}
