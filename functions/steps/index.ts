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
import { createAssessWave } from './assess-wave';
import { createCheckRollBack } from './check-roll-back';
import { createCheckVersion } from './check-version';
import { createDeployVersion } from './deploy-version';
import { createPlanUpgrade } from './plan-upgrade';
import { createRollBackVersion } from './roll-back-version';
import { createSmokeTestVersion } from './smoke-test-version';
import { createSummarizeUpgrade } from './summarize-upgrade';
import { createArchiveDatabases } from './archive-databases';
import { createArchiveStorage } from './archive-storage';
import { createDropDatabases } from './drop-databases';
import { createMarkDeleted } from './mark-deleted';
import { createMarkOffboarding } from './mark-offboarding';
import { createNotifyOffboardingFailed } from './notify-offboarding-failed';
import { createRemoveDns } from './remove-dns';
import { createRemoveSecrets } from './remove-secrets';
import { createRemoveServices } from './remove-services';

// Each step takes and returns JSON; the engine does not know their shapes.
type AnyStep = (deps: Deps) => (input: never) => Promise<unknown>;

/** The handler file of a Task state: MarkProvisioning -> functions/steps/mark-provisioning.ts. */
export const stepEntry = (state: string) => state.replace(/[A-Z]/g, (c, i: number) => `${i ? '-' : ''}${c.toLowerCase()}`);

/** Task state name -> step, for the local runner and the CDK app (one Lambda per Task, entry from stepEntry). */
export const STEPS: Readonly<Record<string, AnyStep>> = {
  MarkProvisioning: createMarkProvisioning,
  CreateDatabases: createCreateDatabases,
  PrepareStorage: createPrepareStorage,
  ConfigureMail: createConfigureMail,
  RenderConfig: createRenderConfig,
  ConfigureDns: createConfigureDns,
  DeployServices: createDeployServices,
  WaitUntilHealthy: createWaitUntilHealthy,
  SmokeTest: createSmokeTest,
  MarkActive: createMarkActive,
  SendWelcomeEmail: createSendWelcomeEmail,
  MarkFailed: createMarkFailed,
  NotifyOps: createNotifyOps,
  // upgrade-fleet
  PlanUpgrade: createPlanUpgrade,
  DeployVersion: createDeployVersion,
  CheckVersion: createCheckVersion,
  SmokeTestVersion: createSmokeTestVersion,
  RollBackVersion: createRollBackVersion,
  CheckRollBack: createCheckRollBack,
  AssessWave: createAssessWave,
  SummarizeUpgrade: createSummarizeUpgrade,
  // offboard-tenant
  MarkOffboarding: createMarkOffboarding,
  RemoveServices: createRemoveServices,
  RemoveDns: createRemoveDns,
  ArchiveDatabases: createArchiveDatabases,
  DropDatabases: createDropDatabases,
  ArchiveStorage: createArchiveStorage,
  RemoveSecrets: createRemoveSecrets,
  MarkDeleted: createMarkDeleted,
  NotifyOffboardingFailed: createNotifyOffboardingFailed,
};
