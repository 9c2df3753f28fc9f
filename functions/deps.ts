import { SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient } from './providers/dynamodb';
import { SfnWorkflows } from './providers/sfn-workflows';
import { TenantStore } from './providers/tenant-store';
import type { Workflows } from './providers/workflows';

/** Everything a handler talks to, passed in so tests and the embedded default can wire their own. */
export interface Deps {
  store: TenantStore;
  workflows: Workflows;
  logger: Logger;
  now: () => Date;
  newId: () => string;
}

export const logger = new Logger({ serviceName: 'launchpad' });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

let lambdaDeps: Deps | undefined;

/** The production wiring, built once per Lambda container from its environment. */
export function awsDeps(): Deps {
  lambdaDeps ??= {
    store: new TenantStore(createDocumentClient(), required('TABLE_NAME')),
    workflows: new SfnWorkflows(new SFNClient({}), required('PROVISION_STATE_MACHINE_ARN')),
    logger,
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
  };
  return lambdaDeps;
}

/** A Lambda entry point for a handler factory: wires it on first use, then reuses it. */
export function lambdaEntry<E, R>(create: (deps: Deps) => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let handler: ((event: E) => Promise<R>) | undefined;
  return (event) => (handler ??= create(awsDeps()))(event);
}
