import { Sessions } from '../auth/sessions';
import { AdminLinks } from '../providers/admin-links';
import { platform } from './core';
import { once } from './env';
import { secrets } from './secrets';
import { tables } from './tables';

/** Signing keys from Secrets Manager: admin links in mails, and admin sessions (recorded on the table, for the site). */
export const links = once(() => new AdminLinks(secrets()));
export const sessions = once(() => new Sessions(secrets(), tables().signIns, platform().siteUrl));
