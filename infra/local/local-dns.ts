import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ForeignRecordError, isLaunchpadRecord, labelsUnder, LAUNCHPAD_RECORD_COMMENT, type Dns, type UpsertResult } from '../../functions/providers/dns';

/** Names a company zone usually holds already (the site, mail, autodiscovery): the embedded default's zone starts with them. */
export const LOCAL_ZONE_RECORDS = ['www', 'mail', 'autodiscover', 'autoconfig', 'mta-sts'];

/** A record of the local zone: free text for the company's own, or content and comment as Cloudflare has them (ours carry the mark). */
type LocalRecord = string | { content: string; comment?: string };

const WILDCARD_TARGET = 'router';

/**
 * The zone of the embedded default: `<label>.localhost` resolves to loopback in every browser, so
 * every host already reaches the router as the wildcard would. The zone file (`dns.json` in the
 * data dir) lists the names that have records of their own; edit it like a zone, and those labels
 * can no longer be chosen as subdomains. Records Launchpad writes carry the same mark as in
 * Cloudflare, and one without it is never changed.
 */
export class LocalDns implements Dns {
  private records: Record<string, LocalRecord>;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      this.records = this.read();
    } catch {
      this.records = Object.fromEntries(LOCAL_ZONE_RECORDS.map((label) => [label, 'own record']));
      this.save();
    }
  }

  /** Read from the file each time, so an edit of the zone counts at once; names below a label (`mail.intranet`) make it exist too. */
  async hasOwnRecord(label: string): Promise<boolean> {
    this.records = this.read();
    return labelsUnder('localhost', Object.keys(this.records).map((name) => `${name}.localhost`)).has(label.toLowerCase());
  }

  async ensureWildcard(): Promise<UpsertResult> {
    this.records = this.read();
    const existing = this.records['*'];
    const content = typeof existing === 'string' ? existing : existing?.content;
    if (content === WILDCARD_TARGET) return 'unchanged';
    if (existing !== undefined && (typeof existing === 'string' || !isLaunchpadRecord(existing))) throw new ForeignRecordError({ name: '*.localhost', content });
    this.records['*'] = { content: WILDCARD_TARGET, comment: LAUNCHPAD_RECORD_COMMENT };
    this.save();
    return existing === undefined ? 'created' : 'updated';
  }

  private read(): Record<string, LocalRecord> {
    return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, LocalRecord>;
  }

  private save(): void {
    writeFileSync(this.file, JSON.stringify(this.records, null, 2));
  }
}
