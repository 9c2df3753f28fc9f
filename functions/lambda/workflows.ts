import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnWorkflows } from '../providers/sfn-workflows';
import { once, required } from './env';

export const workflows = once(
  () => new SfnWorkflows(new SFNClient({}), required('PROVISION_STATE_MACHINE_ARN'), process.env.ROLLOUT_STATE_MACHINE_ARN, process.env.OFFBOARD_STATE_MACHINE_ARN),
);
