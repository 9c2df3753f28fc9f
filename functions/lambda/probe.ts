import type { Deps } from '../deps';
import { probe as probeUrl } from '../providers/instance-probe';

export const probe = (): Deps['probe'] => (url) => probeUrl(url);
