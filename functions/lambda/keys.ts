import { Sessions } from '../auth/sessions';
import { AdminLinks } from '../providers/admin-links';
import { once } from './env';
import { secrets } from './secrets';

/** Signing keys from Secrets Manager: admin links in mails, and admin sessions. */
export const links = once(() => new AdminLinks(secrets()));
export const sessions = once(() => new Sessions(secrets()));
