import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NodemailerSmtp, SmtpRefusedError, type SmtpAccount } from '../../functions/providers/smtp';

// Real servers on loopback; the tenant's DNS is a stub resolver (a tenant controls its own zone).
const account = { user: 'mailer', password: 'right-horse-battery' };
let smtp: SMTPServer;
let smtpPort: number;
const connections: string[] = [];
const servernames: string[] = [];
let tlsSmtp: SMTPServer;
let tlsPort: number;
const sockets = new Set<Socket>();
const rawServers: Server[] = [];

const listen = async (server: { listen: (port: number, host: string, cb: () => void) => unknown }, address: () => AddressInfo) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return address().port;
};

beforeAll(async () => {
  smtp = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    banner: 'internal-mail-7.corp.example ready, Postfix 3.8.1',
    onConnect(session, done) {
      connections.push(session.remoteAddress);
      done();
    },
    onAuth(auth, _session, done) {
      if (auth.username === account.user && auth.password === account.password) done(null, { user: auth.username });
      else done(Object.assign(new Error('Authentication failed for mailer on internal-mail-7.corp.example'), { responseCode: 535 }));
    },
  });
  smtpPort = await listen(smtp, () => smtp.server.address() as AddressInfo);
  // Implicit TLS with smtp-server's own self-signed certificate: records the name the client asked for.
  tlsSmtp = new SMTPServer({
    secure: true,
    authOptional: true,
    SNICallback: (servername: string, done: (error: Error | null, context?: undefined) => void) => (servernames.push(servername), done(null)),
  });
  // The client hangs up when it refuses the certificate: the server reports that, and that is expected here.
  tlsSmtp.on('error', () => undefined);
  tlsPort = await listen(tlsSmtp, () => tlsSmtp.server.address() as AddressInfo);
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all([smtp, tlsSmtp].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await Promise.all(rawServers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

afterEach(() => void (connections.length = 0));

const resolver = (records: Record<string, string[]>) => vi.fn(async (host: string) => records[host] ?? Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' })));
const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SmtpRefusedError);
  return error as SmtpRefusedError;
};
const loginTo = (host: string, port: number, password = account.password): SmtpAccount => ({ host, port, secure: false, user: account.user, password });

/** A TCP server on loopback that does something other than SMTP with each connection. */
async function rawServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => (sockets.add(socket), onConnection(socket)));
  rawServers.push(server);
  return listen(server, () => server.address() as AddressInfo);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, () => server.address() as AddressInfo);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the tenant SMTP adapter', () => {
  it('without an allowance (as on AWS) refuses a loopback server before connecting to it, by address and by name', async () => {
    const adapter = new NodemailerSmtp({ resolve: resolver({ 'mail.attacker.example': ['127.0.0.1'] }) });
    for (const host of ['127.0.0.1', 'mail.attacker.example', '2130706433']) {
      const error = await refusal(adapter.verify(loginTo(host, smtpPort)));
      expect(error.field).toBe('host');
      expect(error.message).not.toMatch(/127|loopback|internal-mail/);
    }
    expect(connections).toEqual([]);
  });

  it('refuses a public server on a port that is not an SMTP port, without connecting', async () => {
    const resolve = resolver({ 'db.attacker.example': ['93.184.215.14'] });
    const error = await refusal(new NodemailerSmtp({ resolve }).verify(loginTo('db.attacker.example', 5432)));
    expect(error).toMatchObject({ field: 'port', message: 'Use one of the SMTP ports 25, 465, 587 or 2525' });
    await expect(new NodemailerSmtp({ resolve }).check({ host: 'db.attacker.example', port: 5432 })).rejects.toMatchObject({ field: 'port' });
  });

  it('connects to the address it checked, not to the name again (a second lookup could answer differently)', async () => {
    // The name exists only in the stub: had nodemailer looked it up itself, the system resolver would not find it.
    const resolve = resolver({ 'mail.tenant.test': ['127.0.0.1'] });
    await new NodemailerSmtp({ allowedPrivateHosts: ['127.0.0.1'], resolve }).verify(loginTo('mail.tenant.test', smtpPort));
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(connections).toEqual(['127.0.0.1']);
  });

  it("says the login was refused without quoting the server, and logs the server's words", async () => {
    const warn = vi.fn();
    const error = await refusal(new NodemailerSmtp({ allowedPrivateHosts: ['127.0.0.1'], log: { warn } }).verify(loginTo('127.0.0.1', smtpPort, 'wrong')));
    expect(error.message).toBe('The SMTP server did not accept this user name and password');
    expect(error.field).toBeUndefined();
    expect(JSON.stringify(warn.mock.calls)).toContain('internal-mail-7.corp.example');
  });

  it('answers a closed port, a silent one and a non-SMTP service with the same words, quoting nothing', async () => {
    const silent = await rawServer(() => undefined);
    const ssh = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH_9.6p1 build-box-3.internal\r\n'));
    const http = await rawServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nServer: nginx/1.25 metadata\r\n\r\n'));
    const adapter = new NodemailerSmtp({ allowedPrivateHosts: ['127.0.0.1'], timeoutMs: 300 });
    const messages = [];
    for (const port of [await closedPort(), silent, ssh, http]) messages.push((await refusal(adapter.verify(loginTo('127.0.0.1', port)))).message);
    expect(new Set(messages)).toEqual(new Set(['Could not connect to the SMTP server']));
  });

  it('verifies TLS against the name the tenant entered while connecting to the checked address', async () => {
    const resolve = resolver({ 'mail.tenant.test': ['127.0.0.1'] });
    const adapter = new NodemailerSmtp({ allowedPrivateHosts: ['127.0.0.1'], resolve });
    const error = await refusal(adapter.verify({ ...loginTo('mail.tenant.test', tlsPort), secure: true }));
    // The server saw the name (SNI), and its self-signed certificate was not accepted: verification stayed on.
    expect(servernames).toContain('mail.tenant.test');
    expect(error.message).toMatch(/secure \(TLS\) connection/);
  });
});
