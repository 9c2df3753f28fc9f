import { BaseRecords } from 'cloudflare/resources/dns/records';
import { createClient } from 'cloudflare/tree-shakable';
import { CloudflareDns, type Dns } from '../providers/dns';
import { once, required } from './env';
import { secrets } from './secrets';

/** Cloudflare with its token from Secrets Manager, fetched on the first DNS call; only the records resource is bundled (the whole SDK is ~650 KB). */
export const dns = once((): Dns => {
  const zone = { id: required('CLOUDFLARE_ZONE_ID'), name: required('CLOUDFLARE_ZONE_NAME'), target: required('INSTANCE_LB_DNS_NAME') };
  const client = once(async () => new CloudflareDns(createClient({ apiToken: (await secrets().get(required('CLOUDFLARE_TOKEN_SECRET'))) ?? null, resources: [BaseRecords] }), zone));
  return {
    hasOwnRecord: async (label) => (await client()).hasOwnRecord(label),
    ensureWildcard: async () => (await client()).ensureWildcard(),
  };
});
