/**
 * Links to the AWS console pages that explain an alert: the operations dashboard and the pages the
 * alarms point at (infra/aws/constructs/operations.ts), and the ops link of Launchpad's own mails on
 * AWS (functions/platform.ts). Plain strings, so CDK tokens (the stack's region, an ARN) pass through.
 */

/** The dashboard's name: the URL in alarm descriptions and mails is built from it. */
export const OPERATIONS_DASHBOARD = 'launchpad-operations';

/** A console page in `region`: `path` as the console has it (cloudwatch/home, ecs/v2/clusters/x), `fragment` its route after `#`. */
export const consoleUrl = (region: string, path: string, fragment = '') =>
  `https://${region}.console.aws.amazon.com/${path}?region=${region}${fragment ? `#${fragment}` : ''}`;

/** The operations dashboard (CloudWatch) in `region`. */
export const dashboardUrl = (region: string) => consoleUrl(region, 'cloudwatch/home', `dashboards/dashboard/${OPERATIONS_DASHBOARD}`);
