import { describe, expect, it, vi } from 'vitest';
import { smtpAllowanceFromEnv } from '../../functions/platform';
import { checkDestination, DestinationRefusedError, HOST_REFUSED, NOTATION_REFUSED, parseAllowance, SMTP_PORTS, type ResolveHost } from '../../functions/providers/safe-address';

/** A resolver with fixed answers (a tenant controls its own DNS, so any answer is possible). */
const dnsOf = (records: Record<string, string[]>): ResolveHost & { calls: string[] } => {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const found = records[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  return Object.assign(resolve, { calls });
};

const check = (host: string, port = 587, options: { allowance?: string[]; resolve?: ResolveHost } = {}) =>
  checkDestination(host, port, { allowance: parseAllowance(options.allowance ?? []), ports: SMTP_PORTS, resolve: options.resolve ?? dnsOf({}) });

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DestinationRefusedError);
  return error as DestinationRefusedError;
};

describe('SMTP destinations a tenant may choose', () => {
  it('allows a public server by name: connects to the address it resolved to, verifying TLS against the name', async () => {
    const resolve = dnsOf({ 'smtp.example.com': ['2a00:1450:4001:80b::201a', '93.184.215.14'] });
    expect(await check('SMTP.example.com', 587, { resolve })).toEqual({ address: '93.184.215.14', port: 587, servername: 'smtp.example.com', loopback: false });
    expect(resolve.calls).toEqual(['smtp.example.com']);
  });

  it('allows a public IPv4 address as typed, without a lookup and without a TLS name', async () => {
    const resolve = dnsOf({});
    expect(await check('8.8.4.4', 465, { resolve })).toEqual({ address: '8.8.4.4', port: 465, loopback: false });
    expect(resolve.calls).toEqual([]);
  });

  it.each([
    ['loopback', '127.0.0.1'],
    ['loopback (anywhere in 127/8)', '127.5.5.5'],
    ['RFC 1918 10/8', '10.1.2.3'],
    ['RFC 1918 172.16/12', '172.16.0.1'],
    ['RFC 1918 172.16/12 (top)', '172.31.255.254'],
    ['RFC 1918 192.168/16', '192.168.1.10'],
    ['CGNAT 100.64/10', '100.64.0.1'],
    ['CGNAT 100.64/10 (top)', '100.127.255.254'],
    ['link-local', '169.254.1.1'],
    ['the cloud metadata address', '169.254.169.254'],
    ['unspecified', '0.0.0.0'],
    ['this network 0/8', '0.1.2.3'],
    ['broadcast', '255.255.255.255'],
    ['multicast', '224.0.0.1'],
    ['reserved 240/4', '240.0.0.1'],
  ])('refuses %s as an address (%s), with the generic host message and no lookup', async (_, address) => {
    const resolve = dnsOf({});
    const error = await refusal(check(address, 587, { resolve }));
    expect(error).toMatchObject({ field: 'host', message: HOST_REFUSED });
    expect(error.message).not.toContain(address);
    expect(resolve.calls).toEqual([]);
  });

  it.each([
    ['IPv6 loopback', '::1'],
    ['IPv6 unspecified', '::'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 link-local (top of fe80::/10)', 'febf::1'],
    ['IPv6 unique-local fc00::/7', 'fc00::1'],
    ['IPv6 unique-local fd00::/8', 'fd12:3456::1'],
    ['IPv6 multicast', 'ff02::1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, hex form', '::ffff:7f00:1'],
    ['IPv4-mapped RFC 1918', '::ffff:10.0.0.1'],
    ['IPv4-mapped metadata address', '::ffff:169.254.169.254'],
    ['IPv4-mapped CGNAT', '::ffff:100.64.0.1'],
    ['IPv4-compatible loopback (deprecated)', '::127.0.0.1'],
    ['NAT64 of a private address', '64:ff9b::a00:1'],
    ['6to4 of loopback', '2002:7f00:1::1'],
    ['documentation range', '2001:db8::25'],
  ])('refuses %s (%s), also in brackets', async (_, address) => {
    expect(await refusal(check(address))).toMatchObject({ field: 'host', message: HOST_REFUSED });
    expect(await refusal(check(`[${address}]`))).toMatchObject({ field: 'host', message: HOST_REFUSED });
  });

  it.each([
    ['decimal', '2130706433'],
    ['decimal of the metadata address', '2852039166'],
    ['hex', '0x7f000001'],
    ['dotted hex', '0x7f.0x0.0x0.0x1'],
    ['octal', '0177.0.0.1'],
    ['octal, one long number', '017700000001'],
    ['short form a.b', '127.1'],
    ['short form a.b.c', '10.0.1'],
    ['leading zeros of a public address', '008.008.008.008'],
    ['five parts', '1.2.3.4.5'],
  ])('refuses the odd notation %s (%s) before any lookup, whatever it points at', async (_, host) => {
    const resolve = dnsOf({ [host]: ['127.0.0.1'] });
    expect(await refusal(check(host, 587, { resolve }))).toMatchObject({ field: 'host', message: NOTATION_REFUSED });
    expect(resolve.calls).toEqual([]);
  });

  it('refuses a name that resolves to a private address (DNS rebinding), or to a public and a private one', async () => {
    const records = {
      'mail.attacker.example': ['127.0.0.1'],
      'meta.attacker.example': ['169.254.169.254'],
      'mapped.attacker.example': ['::ffff:10.0.0.5'],
      'mixed.attacker.example': ['93.184.215.14', '10.0.0.5'],
      'v6.attacker.example': ['2a00:1450:4001:80b::201a', 'fd00::25'],
    };
    const resolve = dnsOf(records);
    for (const host of Object.keys(records)) {
      const error = await refusal(check(host, 587, { resolve }));
      expect(error).toMatchObject({ field: 'host', message: HOST_REFUSED });
      expect(error.detail).toContain(host); // the log says what it resolved to; the tenant is not told
    }
  });

  it('answers a name that does not resolve as it answers a private one: the form does not reveal internal names', async () => {
    const error = await refusal(check('no-such-host.example', 587, { resolve: dnsOf({}) }));
    expect(error).toMatchObject({ field: 'host', message: HOST_REFUSED });
  });

  it('resolves a name once and returns that address: the connection does not look the name up again', async () => {
    // A rebinding server answers public first and private afterwards; only the first answer is ever used.
    const answers = [['93.184.215.14'], ['127.0.0.1']];
    const resolve = vi.fn(async () => answers.shift()!);
    expect((await check('rebind.attacker.example', 587, { resolve })).address).toBe('93.184.215.14');
    expect(resolve).toHaveBeenCalledTimes(1);
  });

  it('refuses ports other than 25, 465, 587 and 2525 on the public internet', async () => {
    for (const port of SMTP_PORTS) expect((await check('93.184.215.14', port)).port).toBe(port);
    for (const port of [22, 80, 443, 3306, 5432, 6379, 8080, 1025]) {
      expect(await refusal(check('93.184.215.14', port))).toMatchObject({ field: 'port', message: 'Use one of the SMTP ports 25, 465, 587 or 2525' });
    }
  });

  it('lets a deployment allow its own private servers (any port), and nothing else', async () => {
    const allowance = ['127.0.0.0/8', '::1'];
    const resolve = dnsOf({ localhost: ['::1', '127.0.0.1'], 'lan.example': ['10.0.0.5'] });
    expect(await check('127.0.0.1', 2525, { allowance })).toEqual({ address: '127.0.0.1', port: 2525, loopback: true });
    expect(await check('localhost', 40123, { allowance, resolve })).toEqual({ address: '127.0.0.1', port: 40123, servername: 'localhost', loopback: true });
    expect(await check('::ffff:127.0.0.1', 25, { allowance })).toMatchObject({ address: '127.0.0.1' });
    expect(await refusal(check('lan.example', 587, { allowance, resolve }))).toMatchObject({ field: 'host' });
    expect(await refusal(check('169.254.169.254', 80, { allowance }))).toMatchObject({ field: 'host' });
    // The allowance does not relax notations either.
    expect(await refusal(check('2130706433', 25, { allowance }))).toMatchObject({ message: NOTATION_REFUSED });
  });

  it("takes the allowance from SMTP_ALLOWED_PRIVATE_HOSTS: unset is the caller's default (none in Lambda), empty is none", () => {
    expect(smtpAllowanceFromEnv({}, ['127.0.0.0/8', '::1'])).toEqual(['127.0.0.0/8', '::1']);
    expect(smtpAllowanceFromEnv({ SMTP_ALLOWED_PRIVATE_HOSTS: '' }, ['127.0.0.0/8'])).toEqual([]);
    expect(smtpAllowanceFromEnv({ SMTP_ALLOWED_PRIVATE_HOSTS: ' 10.0.0.0/8, ::1 ,' })).toEqual(['10.0.0.0/8', '::1']);
  });

  it('refuses an allowance entry that is not an address or range (a typo must fail the start)', () => {
    expect(() => parseAllowance(['127.0.0.1', 'localhost'])).toThrow(/"localhost" is not an IP address or CIDR range/);
    expect(parseAllowance([' 10.0.0.0/8 ', '::1', '::ffff:192.168.0.0/112'])).toHaveLength(3);
  });
});
