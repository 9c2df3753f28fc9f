import { logger } from '../logger';
import { smtpAllowanceFromEnv } from '../platform';
import { NodemailerSmtp } from '../providers/smtp';
import { once } from './env';

// Public servers on the usual submission ports only (the adapter's defaults); the CDK app sets no
// SMTP_ALLOWED_PRIVATE_HOSTS, so no private address is reachable from AWS.
export const smtp = once(() => new NodemailerSmtp({ allowedPrivateHosts: smtpAllowanceFromEnv(process.env), log: logger }));
