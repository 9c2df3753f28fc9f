import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildVendorLayer, LAMBDA_ESBUILD } from '../../infra/aws/lambda-bundling';
import { tempDir } from '../support/temp-dir';

/**
 * A function that uses every layer module, bundled as the CDK app bundles it, run the way Lambda
 * runs it: from a directory with no node_modules, the layer reachable only through NODE_PATH.
 */
describe('the vendor layer', () => {
  it('is where a bundled function finds Stripe, nodemailer, mailchecker, tldts and yaml', async () => {
    const root = tempDir('launchpad-layer-');
    buildVendorLayer(join(root, 'opt'));
    const entry = join(root, 'entry.ts');
    writeFileSync(
      entry,
      `import { LazyStripeBilling } from '${resolve('functions/providers/billing')}';
       import { NodemailerSmtp, SmtpRefusedError } from '${resolve('functions/providers/smtp')}';
       import { emailOrganisation } from '${resolve('functions/tenant/signup-limits')}';
       import { renderConfigYaml, type InstanceConfig } from '${resolve('shared/instance-config')}';
       export async function handler() {
         const billing = new LazyStripeBilling(async () => ({ secretKey: 'sk_test_x', webhookSecret: 'whsec_x' }), 'price_x');
         const stripe = await billing.verify('{}', 't=1,v1=bad').then(() => 'verified', (e: { type?: string }) => e.type);
         const smtp = await new NodemailerSmtp({ allowedPrivateHosts: ['127.0.0.1'] }).verify({ host: '127.0.0.1', port: 1, secure: false, user: 'u', password: 'p' }).then(() => 'ok', (e: Error) => (e instanceof SmtpRefusedError ? 'refused' : String(e)));
         const organisation = await emailOrganisation('anna@sales.acme-spaces.co.uk');
         const disposable = !(await import('mailchecker')).default.isValid('someone@mailinator.com');
         const yaml = renderConfigYaml({ tenant: { subdomain: 'acme' } } as unknown as InstanceConfig);
         return { stripe, smtp, organisation, disposable, yaml };
       }`,
    );
    mkdirSync(join(root, 'task'));
    await build({ ...LAMBDA_ESBUILD, external: [...LAMBDA_ESBUILD.external], entryPoints: [entry], outfile: join(root, 'task', 'index.js'), logLevel: 'error' });
    const run = spawnSync(process.execPath, ['-e', "require('./index.js').handler().then((r) => console.log(JSON.stringify(r)))"], {
      cwd: join(root, 'task'),
      env: { PATH: process.env.PATH, NODE_PATH: join(root, 'opt', 'nodejs', 'node_modules') },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    // Stripe loaded and refused the forged signature; nodemailer loaded and met a closed port; the
    // Public Suffix List (tldts) and the disposable-domain list (mailchecker) answered; yaml rendered.
    expect(JSON.parse(run.stdout)).toMatchObject({ stripe: 'StripeSignatureVerificationError', smtp: 'refused', organisation: 'acme-spaces.co.uk', disposable: true, yaml: expect.stringContaining('subdomain: acme') });
  });
});
