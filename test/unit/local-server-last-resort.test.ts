import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { neverCrash } from '../../infra/local/last-resort';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function serve(handle: Parameters<typeof neverCrash>[0]) {
  const log = { error: vi.fn() };
  server = createServer(neverCrash(handle, log));
  await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log };
}

describe('the embedded default\'s last-resort catch', () => {
  it('answers 500 for a bug that throws at once or later, logs it, and keeps serving', async () => {
    const { url, log } = await serve(async (req, res) => {
      if (req.url === '/throws') throw new Error('a bug');
      if (req.url === '/rejects') await Promise.reject(new Error('a later bug'));
      res.end('fine');
    });
    for (const path of ['/throws', '/rejects']) {
      const answer = await fetch(`${url}${path}`);
      expect(answer.status).toBe(500);
      expect(await answer.text()).not.toContain('bug');
    }
    expect(log.error).toHaveBeenCalledTimes(2);
    expect(await (await fetch(`${url}/ok`)).text()).toBe('fine');
  });

  it('closes the connection of a bug after the answer has begun, and keeps serving', async () => {
    const { url } = await serve((req, res) => {
      if (req.url === '/half') {
        res.writeHead(200);
        res.write('partial');
        throw new Error('a bug mid-answer');
      }
      res.end('fine');
    });
    await expect(fetch(`${url}/half`).then((r) => r.text())).rejects.toThrow();
    expect(await (await fetch(`${url}/ok`)).text()).toBe('fine');
  });
});
