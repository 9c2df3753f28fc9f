import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { labelsUnder, type Dns, type UpsertResult } from '../../functions/providers/dns';

/** Names a company zone usually holds already (the site, mail, autodiscovery): the embedded default's zone starts with them. */
export const LOCAL_ZONE_RECORDS = ['www', 'mail', 'autodiscover', 'autoconfig', 'mta-sts'];

/**
 * The zone of the embedded default: `<label>.localhost` resolves to loopback in every browser, so
 * every host already reaches the router as the wildcard would. The zone file (`dns.json` in the
 * data dir) lists the names that have records of their own; edit it like a zone, and those labels
 * can no longer be chosen as subdomains.
 */
export class LocalDns implements Dns {
  private records: Record<string, string>;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      this.records = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      this.records = Object.fromEntries(LOCAL_ZONE_RECORDS.map((label) => [label, 'own record']));
      this.save();
    }
  }

  /** Read from the file each time, so an edit of the zone counts at once; names below a label (`mail.intranet`) make it exist too. */
  async hasOwnRecord(label: string): Promise<boolean> {
    this.records = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
    return labelsUnder('localhost', Object.keys(this.records).map((name) => `${name}.localhost`)).has(label.toLowerCase());
  }

  async ensureWildcard(): Promise<UpsertResult> {
    if (this.records['*'] === 'router') return 'unchanged';
    const before = this.records['*'];
    this.records['*'] = 'router';
    this.save();
    return before === undefined ? 'created' : 'updated';
  }

  private save(): void {
    writeFileSync(this.file, JSON.stringify(this.records, null, 2));
  }
}
