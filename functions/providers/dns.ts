import type { BaseRecords } from 'cloudflare/resources/dns/records';
import type { PartialCloudflare } from 'cloudflare/tree-shakable';

/** The part of the Cloudflare SDK the adapter uses: DNS records (the full client fits too). */
export type CloudflareRecords = PartialCloudflare<{ dns: { records: BaseRecords } }>;

export type UpsertResult = 'created' | 'updated' | 'unchanged';

/**
 * The mark on every record Launchpad creates (Cloudflare's record comment, which every plan has;
 * tags do not). Launchpad changes or removes only records that carry it: a name in the zone may be
 * the company's mail, proxy or policy host, and Launchpad's token must never rewrite it.
 */
export const LAUNCHPAD_RECORD_COMMENT = 'managed-by: spaceos-launchpad';

/** A record in the zone that Launchpad would have to change or remove but did not create. */
export class ForeignRecordError extends Error {
  override readonly name = 'ForeignRecordError';

  constructor(record: { name: string; type?: string | undefined; content?: string | undefined }) {
    super(
      `${record.type ? `${record.type} ` : ''}${record.name}${record.content ? ` -> ${record.content}` : ''} was not created by Launchpad ` +
        `(its comment is not "${LAUNCHPAD_RECORD_COMMENT}"), so Launchpad leaves it as it is and stops. ` +
        'Find out who relies on it; to hand it to Launchpad, set that comment on it.',
    );
  }
}

/** Did Launchpad create this record? */
export function isLaunchpadRecord(record: { comment?: string | null | undefined }): boolean {
  return record.comment?.trim() === LAUNCHPAD_RECORD_COMMENT;
}

/**
 * Port for the instance domain's zone. Every instance host is covered by one wildcard record, so
 * nothing here is per tenant: the zone is only read, to keep subdomains off names that already
 * have records of their own (a name that exists is never answered by the wildcard, RFC 4592).
 */
export interface Dns {
  /** Does the label exist in the zone on its own (a record at it, or below it), so that the wildcard would not answer it? */
  hasOwnRecord(label: string): Promise<boolean>;
  /**
   * The wildcard `*.<zone>` to the load balancer: set once per deployment (`npm run ops -- wildcard-dns`).
   * The only record Launchpad writes; it is marked as ours, and one it did not create is never changed (ForeignRecordError).
   */
  ensureWildcard(): Promise<UpsertResult>;
}

/** How long the zone's names are trusted: they change when someone edits the zone, not per signup. */
const ZONE_CACHE_MS = 5 * 60_000;

/** The labels directly under `zone` that exist in a zone holding `names` (a.b.zone makes b exist too). */
export function labelsUnder(zone: string, names: Iterable<string>): Set<string> {
  const labels = new Set<string>();
  const suffix = `.${zone.toLowerCase()}`;
  for (const name of names) {
    const lower = name.toLowerCase();
    if (!lower.endsWith(suffix)) continue;
    const label = lower.slice(0, -suffix.length).split('.').pop();
    if (label && label !== '*') labels.add(label);
  }
  return labels;
}

/**
 * Cloudflare DNS (official SDK). The zone's names are listed once and cached for a few minutes:
 * availability checks run on every keystroke of the signup form, and Cloudflare allows 1,200 API
 * calls per 5 minutes per token.
 */
export class CloudflareDns implements Dns {
  private names: { at: number; labels: Promise<Set<string>> } | undefined;

  constructor(
    private readonly cloudflare: CloudflareRecords,
    private readonly zone: { id: string; name: string; target: string },
    private readonly clock: () => number = Date.now,
  ) {}

  async hasOwnRecord(label: string): Promise<boolean> {
    return (await this.zoneLabels()).has(label.toLowerCase());
  }

  private zoneLabels(): Promise<Set<string>> {
    if (!this.names || this.clock() - this.names.at > ZONE_CACHE_MS) {
      const labels = (async () => {
        const names: string[] = [];
        for await (const record of this.cloudflare.dns.records.list({ zone_id: this.zone.id, per_page: 1000 })) names.push(record.name);
        return labelsUnder(this.zone.name, names);
      })();
      this.names = { at: this.clock(), labels };
      // A failed listing is not kept: the next check lists again.
      labels.catch(() => (this.names = undefined));
    }
    return this.names.labels;
  }

  /**
   * Creates `*.<zone>` marked as ours, or points our own at the load balancer. Any other record at
   * that name (someone's wildcard, or an A record a CNAME cannot sit beside) is refused, not rewritten.
   */
  async ensureWildcard(): Promise<UpsertResult> {
    const name = `*.${this.zone.name}`;
    const record = { zone_id: this.zone.id, type: 'CNAME' as const, name, content: this.zone.target, proxied: true, ttl: 1 as const, comment: LAUNCHPAD_RECORD_COMMENT };
    const atName = (await this.cloudflare.dns.records.list({ zone_id: this.zone.id, name: { exact: name } })).result.filter((r) => r.name.toLowerCase() === name.toLowerCase());
    const existing = atName.find((r) => r.type === 'CNAME');
    if (existing && existing.content === record.content && existing.proxied === record.proxied) return 'unchanged';
    const foreign = atName.find((r) => !isLaunchpadRecord(r));
    if (foreign) throw new ForeignRecordError(foreign);
    if (!existing) {
      await this.cloudflare.dns.records.create(record);
      return 'created';
    }
    // An update replaces the whole record: the comment is sent again, or the mark would be lost.
    await this.cloudflare.dns.records.update(existing.id, record);
    return 'updated';
  }
}
