import { SESClient } from '@aws-sdk/client-ses';
import { SesMail } from '../providers/mail';
import { once } from './env';

export const mail = once(() => new SesMail(new SESClient({})));
