import type { BaseRecords } from 'cloudflare/resources/dns/records';
import type { PartialCloudflare } from 'cloudflare/tree-shakable';

/** The part of the Cloudflare SDK the adapter uses: DNS records (the full client fits too). */
export type CloudflareRecords = PartialCloudflare<{ dns: { records: BaseRecords } }>;

export type UpsertResult = 'created' | 'updated' | 'unchanged';

/** Port for instance addresses: `host` is the label under the zone (`acme`, `acme-stg`). */
export interface Dns {
  upsert(host: string): Promise<UpsertResult>;
  /** Removes the host's record; 'absent' when there was none (offboarding twice). */
  remove(host: string): Promise<'removed' | 'absent'>;
  /** Is the host's record there? For drift detection. */
  has(host: string): Promise<boolean>;
}

/**
 * Cloudflare DNS (official SDK): a proxied CNAME per instance host pointing at the shared load
 * balancer. Looks before it writes, so reruns change nothing.
 */
export class CloudflareDns implements Dns {
  constructor(
    private readonly cloudflare: CloudflareRecords,
    private readonly zone: { id: string; name: string; target: string },
  ) {}

  async upsert(host: string): Promise<UpsertResult> {
    const name = `${host}.${this.zone.name}`;
    const record = { zone_id: this.zone.id, type: 'CNAME' as const, name, content: this.zone.target, proxied: true, ttl: 1 as const };
    const existing = (await this.cloudflare.dns.records.list({ zone_id: this.zone.id, type: 'CNAME', name: { exact: name } })).result[0];
    if (!existing) {
      await this.cloudflare.dns.records.create(record);
      return 'created';
    }
    if (existing.content === record.content && existing.proxied === record.proxied) return 'unchanged';
    await this.cloudflare.dns.records.update(existing.id, record);
    return 'updated';
  }

  async has(host: string): Promise<boolean> {
    return (await this.record(host)) !== undefined;
  }

  private async record(host: string) {
    return (await this.cloudflare.dns.records.list({ zone_id: this.zone.id, type: 'CNAME', name: { exact: `${host}.${this.zone.name}` } })).result[0];
  }

  async remove(host: string): Promise<'removed' | 'absent'> {
    const existing = await this.record(host);
    if (!existing) return 'absent';
    await this.cloudflare.dns.records.delete(existing.id, { zone_id: this.zone.id });
    return 'removed';
  }
}
