import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get, request, type ClientRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLaunchpad } from '../../infra/local/launchpad';
import { tempDir } from '../support/temp-dir';

const root = tempDir('launchpad-shutdown-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const webRoot = join(root, 'web');
mkdirSync(webRoot);
writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>signup</title>');

const portOf = (url: string) => Number(new URL(url).port);

/** What a client sees when it connects: 'open', or the error code ('ECONNREFUSED' once nothing listens). */
const connectOutcome = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve('open')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });

/** A keep-alive connection left idle after one answered request, as a browser tab leaves it. */
async function idleKeepAlive(url: string, agent: Agent): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    let socket: Socket;
    get(url, { agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(socket));
    })
      .once('socket', (s: Socket) => (socket = s))
      .once('error', reject);
  });
}

/** A request whose body never arrives in full: in flight on the server until the connection ends. */
function slowRequest(method: string, url: string, contentType: string): { request: ClientRequest; ended: Promise<string> } {
  const slow = request(url, { method, headers: { 'content-length': '100000', 'content-type': contentType } });
  slow.write('the first few bytes');
  const ended = new Promise<string>((resolve) => {
    slow.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    slow.once('response', (res) => resolve(`answered ${res.statusCode}`));
  });
  return { request: slow, ended };
}

describe('stopping the embedded default', () => {
  it('ends open connections, stops every emulator and frees every port, even with requests in flight', async () => {
    const launchpad = await startLaunchpad({ port: 0, dataDir: join(root, 'data'), webRoot, sesPort: 0 });
    const ports = {
      launchpad: portOf(launchpad.url),
      dynamodb: portOf(launchpad.dynamoDbEndpoint),
      // Every Postgres server tenants are placed on (two by default).
      ...Object.fromEntries(Object.entries(launchpad.postgresServers).map(([id, config]) => [`postgres ${id}`, Number(config.port)])),
      s3: portOf(launchpad.s3Endpoint),
      ses: portOf(launchpad.sesEndpoint),
    };
    for (const port of Object.values(ports)) expect(await connectOutcome(port)).toBe('open');

    const agent = new Agent({ keepAlive: true });
    const idle = await idleKeepAlive(`${launchpad.url}/api/health`, agent);
    const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    // In flight on the local server, on s3rver (an instance mid-upload) and on the mail viewer: a
    // plain close() of any of these servers waits for them to finish, which they never do.
    const onServer = slowRequest('POST', `${launchpad.url}/api/signups`, 'application/json');
    const onS3 = slowRequest('PUT', `${launchpad.s3Endpoint}/launchpad-tenants/tenants/slow/upload.bin`, 'application/octet-stream');
    const onSes = slowRequest('POST', `${launchpad.sesEndpoint}/v2/email/outbound-emails`, 'application/json');
    // The servers have the requests (headers read) once they are in flight; an answer would end them.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const started = Date.now();
    await launchpad.stop();
    const took = Date.now() - started;
    // A figure for the report; not asserted (the machine is shared).
    console.log(`launchpad.stop() took ${took} ms`);

    await idleClosed;
    for (const { ended } of [onServer, onS3, onSes]) expect(await ended).toMatch(/ECONNRESET|socket hang up|EPIPE/);
    for (const [name, port] of Object.entries(ports)) expect({ name, outcome: await connectOutcome(port) }).toEqual({ name, outcome: 'ECONNREFUSED' });
    agent.destroy();
  });
});
