import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import addressparser from 'nodemailer/lib/addressparser';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesMail } from '../../functions/providers/mail';
import { sendAsTenant } from '../../functions/tenant/tenant-mail';
import { initialSettings } from '../../shared/settings';
import type { Tenant } from '../../shared/tenant';
import { sdkDeps } from '../support/deps';
import { formatMailbox, headerText, mailbox } from '../../shared/mail-headers';

const ADDRESS = 'acme@clients.spaceos.io';

/** One RFC 5322 mailbox: a display name that is one quoted-string or RFC 2047 encoded-words, then the address. */
const MAILBOX_HEADER = /^(?:"(?:[^"\\\r\n]|\\.)*"|=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=(?: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)*) <[^<>\s]+>$/;

/** What a mail client shows: the header parsed as an address list, encoded-words decoded (independently of the code under test). */
function read(header: string) {
  const decode = (name: string) => name.replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=\s*/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
  return addressparser(header, { flatten: true }).map(({ name, address }) => ({ name: decode(name), address }));
}

describe('the From header', () => {
  it.each(['Acme, Inc.', 'Acme "The Best" Spaces', 'Back\\slash', 'Acme: Spaces; <b>', 'Acme Spaces'])('quotes the ASCII name %j: one mailbox, the name whole', (name) => {
    const header = formatMailbox({ name, address: ADDRESS });
    expect(header).toMatch(MAILBOX_HEADER);
    expect(read(header)).toEqual([{ name, address: ADDRESS }]);
  });

  it.each(['Café Zürich', 'Łódź Coworking', '東京オフィス', 'Rocket 🚀 Spaces', 'مساحة العمل', 'Ä'.repeat(60)])('encodes the non-ASCII name %j as RFC 2047 encoded-words', (name) => {
    const header = formatMailbox({ name, address: ADDRESS });
    expect(header).toMatch(MAILBOX_HEADER);
    for (const word of header.match(/=\?[^?]+\?B\?[^?]*\?=/g)!) expect(word.length).toBeLessThanOrEqual(75);
    expect(read(header)).toEqual([{ name, address: ADDRESS }]);
  });

  it('never lets a line break in a name start a header of its own', () => {
    for (const name of ['Acme\r\nBcc: victim@example.com', 'Acme\nSubject: hi', 'Acme\u2028Bcc: x@example.com', 'Café\r\nBcc: victim@example.com']) {
      const header = formatMailbox({ name, address: ADDRESS });
      expect(header).not.toMatch(/[\r\n\u2028]/);
      expect(read(header)).toHaveLength(1);
      expect(read(header)[0]!.address).toBe(ADDRESS);
    }
  });

  it('leaves the bare address without a name, and refuses anything but an address in the brackets', () => {
    expect(formatMailbox({ name: ' \r\n', address: ADDRESS })).toBe(ADDRESS);
    for (const address of ['a@b.com>\r\nBcc: c@d.com', 'a b@c.com', '<a@b.com>', 'a@b.com, c@d.com']) expect(() => formatMailbox({ name: 'Acme', address })).toThrow(/Not a mail address/);
  });

  it('makes any text one header line', () => {
    expect(headerText('Your Acme\r\nBcc: x@y.com instance\u0000 is ready\n')).toBe('Your Acme Bcc: x@y.com instance is ready');
    expect(mailbox('Acme\r\nSpaces', ADDRESS)).toEqual({ name: 'Acme Spaces', address: ADDRESS });
  });
});

describe('mail through SES', () => {
  const ses = mockClient(SESClient);
  beforeEach(() => {
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  });
  const send = (from: string | { name: string; address: string }, subject: string) =>
    new SesMail(new SESClient({}), { checkDomainVerification: false }).send({ from, to: ['anna@acme.com'], subject, html: '<p>Hi</p>', text: 'Hi' });
  const sent = () => ses.commandCalls(SendEmailCommand)[0]!.args[0].input;

  it('sends a quoted, encoded sender and a subject on one line', async () => {
    await send({ name: 'Acme, Inc. ✓', address: ADDRESS }, 'Your Acme\r\nBcc: victim@example.com instance is ready');
    expect(sent().Source).toMatch(/^=\?UTF-8\?B\?[^\r\n]+\?= <acme@clients\.spaceos\.io>$/);
    expect(read(sent().Source!)).toEqual([{ name: 'Acme, Inc. ✓', address: ADDRESS }]);
    expect(sent().Message!.Subject).toEqual({ Data: 'Your Acme Bcc: victim@example.com instance is ready', Charset: 'UTF-8' });
  });

  it("keeps the operator's configured sender as it is, but never with a line break", async () => {
    await send('spaceOS Launchpad <launchpad@spaceos.io>', 'Hello');
    expect(sent().Source).toBe('spaceOS Launchpad <launchpad@spaceos.io>');
    await expect(send('launchpad@spaceos.io\r\nBcc: x@y.com', 'Hello')).rejects.toThrow(/one line/);
  });
});

describe('mail sent as a tenant', () => {
  const ses = mockClient(SESClient);
  beforeEach(() => {
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  });
  const tenantNamed = (fromName: string): Tenant => {
    const signup = { companyName: 'Acme', adminEmail: 'anna@acme.com', primaryColor: '#ff5500' };
    const settings = initialSettings(signup);
    return {
      ...signup, tenantId: 't-1', subdomain: 'acme', adminName: 'Anna', plan: 'trial', status: 'ACTIVE', createdAt: '', updatedAt: '', steps: {}, urls: {}, version: 1,
      settings: { ...settings, mail: { ...settings.mail, fromName } },
    };
  };

  it.each(['Acme, Inc.', 'Café "Nord" Zürich', 'Acme\r\nBcc: victim@example.com'])('comes from exactly one mailbox named %j', async (fromName) => {
    await sendAsTenant(sdkDeps(), tenantNamed(fromName), { to: ['anna@acme.com'], subject: 'Test', html: '<p>Hi</p>', text: 'Hi' });
    const source = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Source!;
    // A lenient parser reads `Acme, Inc. <a@b>` as one mailbox; RFC 5322 (and SES) see two, the first without an address.
    expect(source).toMatch(MAILBOX_HEADER);
    expect(read(source)).toEqual([{ name: headerText(fromName), address: 'acme@clients.spaceos.io' }]);
  });
});
