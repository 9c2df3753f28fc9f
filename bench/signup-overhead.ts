import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { verificationEmail } from '../shared/verification';
import { createSignupHandler } from '../functions/api/signup';
import { logger } from '../functions/logger';
import { AdminLinks } from '../functions/providers/admin-links';
import { createDocumentClient } from '../functions/providers/dynamodb';
import type { Workflows } from '../functions/providers/workflows';
import { tableStores } from '../functions/wiring';
import { ensureTable, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { LocalDns } from '../infra/local/local-dns';
import { tempDir } from '../test/support/temp-dir';
import { join } from 'node:path';
import { apiEvent, validSignup } from '../test/support/api-event';
// Secrets in memory: the bench measures the handler's own work over DynamoDB, not a secrets store.
import { MemorySecrets, testPlatform } from '../test/support/deps';
import { SesMail } from '../functions/providers/mail';
import { sesClient, startSes } from '../infra/local/emulators';
import { percentile } from './stats';

const RUNS = Number(process.env.BENCH_SIGNUP_RUNS ?? 300);

/** Step Functions is another service's latency; the handler's share is what is compared here. */
const notHere = () => Promise.reject(new Error('not used by signup'));
const started: Workflows = { startProvisioning: async () => 'started', startFleetRollout: notHere, startOffboarding: notHere, resumeProvisioning: notHere, executionState: notHere };

/**
 * The signup handler on DynamoDB Local against the very requests it sends, sent bare (captured from
 * its own first signup, renamed per run), interleaved so both see the same machine.
 * The handler's overhead is validation, hashing and building its requests: the baseline sends the
 * very requests it sends (the limits' counters, the claims' transaction, the confirmation mail to SES).
 */
export async function signupOverheadBench(): Promise<{ p50Ratio: number; p99Ratio: number }> {
  const dynamo = await startDynamoDbLocal();
  const ses = await startSes();
  try {
    const tableName = 'bench-signups';
    await ensureTable(dynamo.endpoint, tableName);
    const documents = createDocumentClient(dynamo.endpoint);
    // Every table request of one signup, in order (the limits' counters, then the claims' transaction).
    const captured: Array<{ command: string; input: unknown }> = [];
    let capturing = true;
    documents.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { TransactItems?: unknown; UpdateExpression?: unknown };
        if (capturing && (input.TransactItems || input.UpdateExpression)) captured.push({ command: input.TransactItems ? 'TransactWriteCommand' : 'UpdateCommand', input: structuredClone(input) });
        return next(args);
      },
      { step: 'initialize', name: 'captureSignupRequests' },
    );
    const mail = new SesMail(sesClient(ses.value.endpoint), { checkDomainVerification: false });
    let n = 0;
    const handler = createSignupHandler({
      ...tableStores(documents, tableName),
      dns: new LocalDns(join(tempDir('launchpad-bench-zone-'), 'dns.json')),
      workflows: started,
      logger,
      now: () => new Date(),
      newId: () => `bench-tenant-${n}`,
      links: new AdminLinks(new MemorySecrets()),
      secrets: new MemorySecrets(),
      mail,
      // Every run is one client on one domain: limits far above the runs, so each signup is counted and let through.
      platform: { ...testPlatform, signupLimits: { perClientPerHour: 1_000_000, perEmailDomainPerHour: 1_000_000, totalPerHour: 1_000_000 } },
    });
    const signup = (name: string) => apiEvent({ method: 'POST', path: '/api/signups', body: validSignup({ subdomain: name, adminEmail: `${name}@example.com` }) });
    const warm = await handler(signup('handler-warm'));
    capturing = false;
    const transaction = captured.find((c) => c.command === 'TransactWriteCommand');
    if (warm.statusCode !== 202 || !transaction) throw new Error(`signup bench: warm-up answered ${warm.statusCode}`);
    const templates = captured.map(({ command, input }) => ({ command, template: JSON.stringify(input) }));
    const renamed = (template: string, i: number) => JSON.parse(template.replaceAll('handler-warm', `bare-${i}`).replaceAll('bench-tenant-0', `bare-tenant-${i}`)) as never;
    const confirmation = verificationEmail({ url: 'https://spaceos.io/verify?tenant=bare&token=1.x' });
    /** The same I/O the handler does, without the handler: the counters, the transaction, the mail. */
    const bare = async (i: number) => {
      for (const { command, template } of templates) {
        if (command === 'UpdateCommand') await documents.send(new UpdateCommand(renamed(template, i)));
        else await documents.send(new TransactWriteCommand(renamed(template, i)));
      }
      await mail.send({ ...confirmation, from: testPlatform.launchpadSender, to: [`bare-${i}@example.com`] });
    };
    await bare(RUNS);

    const handlerMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      n = i + 1;
      let t0 = performance.now();
      const answer = await handler(signup(`handler-${i}`));
      handlerMs.push(performance.now() - t0);
      if (answer.statusCode !== 202) throw new Error(`signup bench: run ${i} answered ${answer.statusCode} ${answer.body}`);
      t0 = performance.now();
      await bare(i);
      bareMs.push(performance.now() - t0);
    }
    const row = (label: string, values: number[]) => `  ${label.padEnd(36)} p50 ${percentile(values, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(2).padStart(7)} ms`;
    const p50Ratio = percentile(handlerMs, 50) / percentile(bareMs, 50);
    const p99Ratio = percentile(handlerMs, 99) / percentile(bareMs, 99);
    console.log(`\nSignup handler on DynamoDB Local vs its own requests sent bare (the limits' ${templates.length - 1} counter updates, the TransactWriteItems, the confirmation mail; n=${RUNS} each, interleaved)`);
    console.log(row('bare requests', bareMs));
    console.log(row('POST /api/signups handler', handlerMs));
    console.log(`  ratio                                p50 ${p50Ratio.toFixed(2).padStart(7)}x     p99 ${p99Ratio.toFixed(2).padStart(7)}x   (target <= 1.5x)`);
    return { p50Ratio, p99Ratio };
  } finally {
    await Promise.all([dynamo.stop(), ses.stop()]);
  }
}
