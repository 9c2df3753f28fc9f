import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForeignRecordError } from '../../functions/providers/dns';
import { LocalDns } from '../../infra/local/local-dns';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'launchpad-local-dns-'));
  file = join(dir, 'dns.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const zoneFile = () => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('the embedded default zone (LocalDns)', () => {
  it('creates the wildcard marked as ours, and a rerun changes nothing', async () => {
    const zone = new LocalDns(file);
    await expect(zone.ensureWildcard()).resolves.toBe('created');
    expect(zoneFile()['*']).toEqual({ content: 'router', comment: 'managed-by: spaceos-launchpad' });
    await expect(new LocalDns(file).ensureWildcard()).resolves.toBe('unchanged');
  });

  it('refuses to change a wildcard someone else put in the zone, and leaves the zone file as it was', async () => {
    writeFileSync(file, JSON.stringify({ www: 'own record', '*': 'someone-elses-proxy' }, null, 2));
    const before = readFileSync(file, 'utf8');
    await expect(new LocalDns(file).ensureWildcard()).rejects.toThrow(ForeignRecordError);
    await expect(new LocalDns(file).ensureWildcard()).rejects.toThrow(/not created by Launchpad/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('points its own marked wildcard back at the router', async () => {
    writeFileSync(file, JSON.stringify({ '*': { content: 'old-router', comment: 'managed-by: spaceos-launchpad' } }));
    await expect(new LocalDns(file).ensureWildcard()).resolves.toBe('updated');
    expect(zoneFile()['*']).toEqual({ content: 'router', comment: 'managed-by: spaceos-launchpad' });
  });

  it('keeps the names of the zone refused as subdomains, whatever their records hold', async () => {
    writeFileSync(file, JSON.stringify({ autodiscover: 'own record', 'mail.intranet': { content: '192.0.2.1' }, '*': { content: 'router', comment: 'managed-by: spaceos-launchpad' } }));
    const zone = new LocalDns(file);
    for (const taken of ['autodiscover', 'intranet']) expect(await zone.hasOwnRecord(taken), taken).toBe(true);
    for (const free of ['acme', '*']) expect(await zone.hasOwnRecord(free), free).toBe(false);
  });
});
