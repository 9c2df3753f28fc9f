import { SESClient } from '@aws-sdk/client-ses';
import { SesMail } from '../providers/mail';
import { logger } from '../logger';
import { once } from './env';
import { tables } from './tables';

// Addresses SES reported as hard bounces get no more mail (functions/mail-events/); read from the table on each send.
export const mail = once(() => new SesMail(new SESClient({}), { suppressions: { suppressedAmong: (addresses) => tables().mailStore.suppressedAmong(addresses) }, log: logger }));
