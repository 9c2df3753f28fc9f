import type { Logger } from '@aws-lambda-powertools/logger';
import type { AdapterName } from '../shared/step-catalogue';
import type { Sessions } from './auth/sessions';
import type { Platform } from './platform';
import type { AdminLinks } from './providers/admin-links';
import type { Billing } from './providers/billing';
import type { Compute } from './providers/compute';
import type { Discovery } from './providers/discovery';
import type { Dns } from './providers/dns';
import type { InstancePool } from './providers/instance-pool';
import type { ProbeResponse } from './providers/instance-probe';
import type { SesMail } from './providers/mail';
import type { Secrets } from './providers/secrets';
import type { Smtp } from './providers/smtp';
import type { Storage } from './providers/storage';
import type { Databases } from './providers/tenant-databases';
import type { Workflows } from './providers/workflows';
import type { TableStores } from './wiring';

/**
 * Everything a handler may talk to. Each handler factory takes only its part (`Pick<Deps, ...>`),
 * which its Lambda entry wires from functions/lambda/ and the embedded default and tests pass whole.
 */
export interface Deps extends TableStores {
  workflows: Workflows;
  logger: Logger;
  now: () => Date;
  newId: () => string;
  platform: Platform;
  secrets: Secrets;
  databases: Databases;
  storage: Storage;
  mail: SesMail;
  dns: Dns;
  compute: Compute;
  /** Finding an instance's running tasks (Cloud Map; the local processes). */
  discovery: Discovery;
  /** The warm pool's unassigned instances (ECS RunTask; local processes). */
  pool: InstancePool;
  probe: (url: string) => Promise<ProbeResponse>;
  billing: Billing;
  links: AdminLinks;
  sessions: Sessions;
  smtp: Smtp;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile when AdapterName (shared/step-catalogue.ts) and the adapters of Deps differ. */
export type AdapterNamesMatchDeps<T extends true = Same<AdapterName, Exclude<keyof Deps, 'logger' | 'now' | 'newId'>>> = T;
