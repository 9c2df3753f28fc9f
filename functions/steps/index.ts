import type { Deps } from '../deps';
import { createConfigureDns } from './configure-dns';
import { createConfigureMail } from './configure-mail';
import { createCreateDatabases } from './create-databases';
import { createDeployServices } from './deploy-services';
import { createMarkActive } from './mark-active';
import { createMarkFailed } from './mark-failed';
import { createMarkProvisioning } from './mark-provisioning';
import { createNotifyOps } from './notify-ops';
import { createPrepareStorage } from './prepare-storage';
import { createRenderConfig } from './render-config';
import { createSendWelcomeEmail } from './send-welcome-email';
import { createSmokeTest } from './smoke-test';
import { createWaitUntilHealthy } from './wait-until-healthy';

// Each step takes and returns JSON; the engine does not know their shapes.
type AnyStep = (deps: Deps) => (input: never) => Promise<unknown>;

/** Task state name -> step, for the local runner and the CDK app (one Lambda per Task). */
export const STEPS: Readonly<Record<string, { entry: string; create: AnyStep }>> = {
  MarkProvisioning: { entry: 'mark-provisioning', create: createMarkProvisioning },
  CreateDatabases: { entry: 'create-databases', create: createCreateDatabases },
  PrepareStorage: { entry: 'prepare-storage', create: createPrepareStorage },
  ConfigureMail: { entry: 'configure-mail', create: createConfigureMail },
  RenderConfig: { entry: 'render-config', create: createRenderConfig },
  ConfigureDns: { entry: 'configure-dns', create: createConfigureDns },
  DeployServices: { entry: 'deploy-services', create: createDeployServices },
  WaitUntilHealthy: { entry: 'wait-until-healthy', create: createWaitUntilHealthy },
  SmokeTest: { entry: 'smoke-test', create: createSmokeTest },
  MarkActive: { entry: 'mark-active', create: createMarkActive },
  SendWelcomeEmail: { entry: 'send-welcome-email', create: createSendWelcomeEmail },
  MarkFailed: { entry: 'mark-failed', create: createMarkFailed },
  NotifyOps: { entry: 'notify-ops', create: createNotifyOps },
};
