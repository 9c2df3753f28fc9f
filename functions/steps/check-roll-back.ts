import { pollVersion } from './check-version';
import { fleetStep } from './fleet-step';
import type { RollBack } from './roll-back-version';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { probe } from '../lambda/probe';

/**
 * One poll of a rolled-back tenant: live once both instances answer /health with the version they
 * went back to. Gives up like CheckVersion (then the tenant is reported failed, for a person).
 */
export const createCheckRollBack = fleetStep('CheckRollBack', async (input: RollBack, deps) => ({ ...(await pollVersion(input, deps)), failure: input.failure }));

export const handler = lambdaEntry(createCheckRollBack, () => ({ ...core(), probe: probe(), platform: platform() }));
