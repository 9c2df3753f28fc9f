import { NodemailerSmtp } from '../providers/smtp';
import { once } from './env';

// Only the usual submission ports: a tenant cannot point Launchpad at arbitrary services.
export const smtp = once(() => new NodemailerSmtp({ ports: [25, 465, 587, 2525] }));
