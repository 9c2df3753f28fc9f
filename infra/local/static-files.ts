import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { decodedOrUndefined } from '../../functions/api/http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serves the built web app (what CloudFront + S3 serve in AWS). Unknown paths get index.html so
 * client-side routes like /status/<id> load the app.
 */
export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, pathname: string): void {
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The web app is not built yet: run `npm run build` (npm start does it for you).');
    return;
  }
  const decoded = decodedOrUndefined(pathname);
  if (decoded === undefined) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('This address is not valid percent-encoding.');
    return;
  }
  const candidate = normalize(join(root, decoded));
  const inside = candidate.startsWith(root + sep);
  const file = inside && existsSync(candidate) && statSync(candidate, { throwIfNoEntry: false })?.isFile() ? candidate : index;
  const immutable = file !== index && pathname.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') return void res.end();
  // A file that cannot be read after all (removed by a rebuild meanwhile) ends this answer, not the process.
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
