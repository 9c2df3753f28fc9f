import { LazyStripeBilling } from '../providers/billing';
import { once, required } from './env';
import { secrets } from './secrets';

export const billing = once(() => {
  const keys = once(async () => JSON.parse((await secrets().get(required('STRIPE_SECRET'))) ?? '{}') as { secretKey: string; webhookSecret: string });
  return new LazyStripeBilling(keys, required('STRIPE_PRICE_ID'));
});
