import type { Deps } from '../deps';
import { passingProbe } from '../providers/instance-probe';
import { ProbePass } from '../providers/probe-pass';
import { once } from './env';
import { secrets } from './secrets';

export const probe = once((): Deps['probe'] => passingProbe(new ProbePass(secrets())));
