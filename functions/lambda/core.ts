import type { Deps } from '../deps';
import { logger } from '../logger';
import { platformFromEnv } from '../platform';
import { once } from './env';

/** What every function has: its logger, a clock and ids. */
export const core = (): Pick<Deps, 'logger' | 'now' | 'newId'> => ({ logger, now: () => new Date(), newId: () => crypto.randomUUID() });

export const platform = once(() => platformFromEnv());
