import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Dns, UpsertResult } from '../../functions/providers/dns';

/**
 * DNS on the embedded default: `<host>.localhost` names (loopback in every browser) that the
 * local router sends to the instance serving that host. Records persist like a zone does.
 */
export class LocalDns implements Dns {
  private readonly records: Record<string, string>;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      this.records = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      this.records = {};
    }
  }

  async upsert(host: string): Promise<UpsertResult> {
    const target = host; // the router resolves the service for this host name
    const before = this.records[host];
    if (before === target) return 'unchanged';
    this.records[host] = target;
    writeFileSync(this.file, JSON.stringify(this.records, null, 2));
    return before === undefined ? 'created' : 'updated';
  }

  async has(host: string): Promise<boolean> {
    return this.records[host] !== undefined;
  }

  async remove(host: string): Promise<'removed' | 'absent'> {
    if (this.records[host] === undefined) return 'absent';
    delete this.records[host];
    writeFileSync(this.file, JSON.stringify(this.records, null, 2));
    return 'removed';
  }

  /** The record for a host label, as the router sees it; undefined when none was published. */
  resolve(host: string): string | undefined {
    return this.records[host];
  }
}
