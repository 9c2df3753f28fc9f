import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** The tenant router's container image build context: one bundled file (the SDK included) and its Dockerfile. */
export function buildRouterImage(outputDir: string): string {
  mkdirSync(outputDir, { recursive: true });
  buildSync({ entryPoints: ['router/main.ts'], bundle: true, platform: 'node', format: 'cjs', minify: true, target: 'node24', sourcemap: true, sourcesContent: false, outfile: join(outputDir, 'router.cjs'), logLevel: 'error' });
  writeFileSync(
    join(outputDir, 'Dockerfile'),
    [
      '# Built by infra/aws/router-image.ts at synth: the tenant router, bundled.',
      'FROM public.ecr.aws/docker/library/node:24-alpine',
      'WORKDIR /app',
      'COPY router.cjs router.cjs.map ./',
      'ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps PORT=8080',
      'USER node',
      'EXPOSE 8080',
      'CMD ["node", "router.cjs"]',
      '',
    ].join('\n'),
  );
  return outputDir;
}
