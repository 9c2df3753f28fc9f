import type { SleepTimes } from '../../functions/platform';
import { startLaunchpad } from './launchpad';
import { SHUTDOWN_DEADLINE_MS } from './shutdown';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 3000);
console.log('Starting Launchpad on the embedded default (DynamoDB Local, PostgreSQL, S3, SES, local Step Functions)...');
const sesPort = Number(process.env.SES_PORT ?? 8005);
const launchpad = await startLaunchpad({ port, sesPort, dataDir: process.env.LAUNCHPAD_DATA_DIR ?? '.data' }).catch((error: unknown) => {
  console.error(`\nLaunchpad could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

function sleepText(sleep: SleepTimes): string {
  const text = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);
  return sleep.trialProductionMs === sleep.stagingMs ? text(sleep.stagingMs) : `${text(sleep.trialProductionMs)} (trial prod), ${text(sleep.stagingMs)} (staging)`;
}

console.log(`
  Launchpad is ready
    Signup page   ${launchpad.url}/
    Status pages  ${launchpad.url}/status/<tenantId>
    API           ${launchpad.url}/api  (health: ${launchpad.url}/api/health)
    Ops console   ${launchpad.url}/ops  (tenants, execution timelines, Resume)
    Sent mail     ${launchpad.sesEndpoint}  (aws-ses-v2-local viewer; JSON at /store)
    Instances     http://<subdomain>.localhost:${port} and http://<subdomain>-stg.localhost:${port}
                  (through the tenant router; idle ones sleep after ${sleepText(launchpad.deps.platform.sleep)}, the next visit wakes them; SLEEP_AFTER=5s to watch it)
    Warm pool     ${launchpad.deps.platform.pool.size > 0 ? `${launchpad.deps.platform.pool.size} unassigned instances kept ready: a signup is live in under a second` : 'off (POOL_SIZE=3 npm start keeps 3 instances ready: a signup is live in under a second)'}
    Billing       ${process.env.STRIPE_SECRET_KEY ? 'Stripe test mode (forward webhooks with `stripe listen`)' : 'local checkout page (no Stripe key set)'}
    Postgres      ${Object.entries(launchpad.postgresServers).map(([id, db]) => `${id} 127.0.0.1:${db.port}`).join(', ')}  (tenants placed on the one with most room; LOCAL_DB_SERVERS=3 for more)
    DynamoDB      ${launchpad.dynamoDbEndpoint}  (data in ${process.env.LAUNCHPAD_DATA_DIR ?? '.data'}/, \`npm run reset\` clears it)
  Press Ctrl-C to stop.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C means now. process.exit() still runs the exit hooks, which SIGKILL every
    // child left (DynamoDB Local, instances) and send PostgreSQL its immediate shutdown.
    if (stopping) return process.exit(130);
    stopping = true;
    console.log('\nStopping Launchpad... (Ctrl-C again to stop at once)');
    const started = Date.now();
    // stop() bounds each of its waits; this is the last resort should one of them still hang.
    setTimeout(() => {
      console.error(`Launchpad did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway (remaining processes are killed).`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    launchpad.stop().then(
      () => {
        console.log(`Stopped in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
