import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Wraps the embedded default's request listener so that no request, however malformed, can end
 * the process: Node treats an error thrown by a listener as uncaught and exits, which would leave
 * the emulators (Postgres, DynamoDB Local) running as orphans. A bug answers 500 and is logged;
 * if the answer had begun, its connection is closed instead.
 */
export function neverCrash(
  handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  log: { error: (message: string, attributes: Record<string, unknown>) => void },
): (req: IncomingMessage, res: ServerResponse) => void {
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown) => {
    try {
      log.error('Request failed in the local server', { method: req.method, url: req.url?.slice(0, 200), error });
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
      res.end(JSON.stringify({ errors: { body: 'Something went wrong on our side; please try again' } }));
    } catch {
      // Not even that could be written: the connection goes, the process stays.
      res.destroy();
    }
  };
  return (req, res) => {
    try {
      const pending = handle(req, res);
      if (pending) pending.catch((error: unknown) => fail(req, res, error));
    } catch (error) {
      fail(req, res, error);
    }
  };
}
