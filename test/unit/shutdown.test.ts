import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, get, request } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, stopChild, trackSockets } from '../../infra/local/shutdown';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A node process running `script`, resolved once it has printed "ready" (its signal handlers are in place). */
async function child(script: string): Promise<ChildProcess> {
  const started = spawn(process.execPath, ['-e', `${script}; console.log('ready'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(started);
  await once(started.stdout!, 'data');
  return started;
}

const refused = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve('open')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });

describe('stopping a child process (instances, DynamoDB Local, PostgreSQL past its grace)', () => {
  it('ends a process that ignores SIGTERM with SIGKILL once the grace is over', async () => {
    const stubborn = await child("process.on('SIGTERM', () => console.error('ignoring SIGTERM'))");
    const started = Date.now();
    await expect(stopChild(stubborn, { graceMs: 300 })).resolves.toBe('killed');
    expect(stubborn.signalCode).toBe('SIGKILL');
    console.log(`stubborn child stopped in ${Date.now() - started} ms`);
  });

  it('lets a process that honours SIGTERM exit by itself, and sends the signal asked for', async () => {
    const polite = await child("process.on('SIGQUIT', () => process.exit(3))");
    await expect(stopChild(polite, { graceMs: 30_000, signal: 'SIGQUIT' })).resolves.toBe('exited');
    expect(polite.exitCode).toBe(3);
    // Already gone: nothing to signal, nothing to wait for.
    await expect(stopChild(polite, { graceMs: 30_000 })).resolves.toBe('exited');
  });
});

describe('closing an HTTP server (the local server, s3rver, aws-ses-v2-local)', () => {
  it('ends keep-alive, mid-request and upgraded (WebSocket) connections, and frees the port', async () => {
    const server = createServer((req, res) => {
      if (req.method === 'GET') return void res.end('ok');
      // A request whose body never finishes stays in flight.
      req.resume();
    });
    server.on('upgrade', (_req, socket: Socket) => {
      // As a WebSocket proxy would: the socket stays open, and the HTTP server no longer tracks it.
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    const sockets = trackSockets(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;

    const agent = new Agent({ keepAlive: true });
    const idle = await new Promise<Socket>((resolve) => {
      let socket: Socket;
      get({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
        res.resume();
        res.once('end', () => resolve(socket));
      }).once('socket', (s: Socket) => (socket = s));
    });
    const idleClosed = once(idle, 'close');

    const upgraded = connect(port, '127.0.0.1');
    upgraded.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    await once(upgraded, 'data');
    const upgradedClosed = once(upgraded, 'close');

    const slow = request({ port, host: '127.0.0.1', method: 'POST', path: '/', headers: { 'content-length': '1000' } });
    slow.write('only part of it');
    const slowFailed = new Promise<string>((resolve) => slow.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message)));
    // Until the server has the request, closing would not be tested on an in-flight one.
    await new Promise<void>((resolve) => server.once('request', () => resolve()));

    await closeServer(server, sockets);
    await Promise.all([idleClosed, upgradedClosed]);
    agent.destroy();
    expect(await slowFailed).toMatch(/ECONNRESET|socket hang up/);
    expect(sockets.size).toBe(0);
    expect(await refused(port)).toBe('ECONNREFUSED');
  });
});
