import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { freeFixedPort } from '../../infra/local/free-port';
import { tempDir } from '../support/temp-dir';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    sesUrl: string;
    chromiumPath: string;
  }
}

/** Runs the README's `npm start` (build included) on a free port with its own data dir. */
export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`End-to-end tests need Chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (Debian/Ubuntu), or set CHROMIUM_PATH.`);
  }
  // Bound by npm start only after its build: picked where the emulators' and other tests' free picks never land.
  const port = await freeFixedPort();
  const sesPort = await freeFixedPort();
  const dataDir = tempDir('launchpad-e2e-');
  let log = '';
  const server: ChildProcess = spawn('npm', ['start'], {
    // Staging copies sleep after 4 s, so the browser can watch one wake (production keeps its 30 minutes).
    env: { ...process.env, PORT: String(port), SES_PORT: String(sesPort), LAUNCHPAD_DATA_DIR: dataDir, SLEEP_AFTER_STAGING: '4s' },
    detached: true, // own process group, so teardown stops npm, tsx and Java together
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk) => (log += chunk));
  server.stderr?.on('data', (chunk) => (log += chunk));
  const signalGroup = (signal: NodeJS.Signals | 0) => {
    try {
      process.kill(-server.pid!, signal);
      return true;
    } catch {
      return false; // the whole group is gone
    }
  };
  const stop = () => signalGroup('SIGINT');

  const baseUrl = `http://localhost:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`npm start exited early:\n${log}`);
    const ok = await fetch(`${baseUrl}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error(`npm start did not answer /api/health within 180 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  project.provide('baseUrl', baseUrl);
  project.provide('sesUrl', `http://127.0.0.1:${sesPort}`);
  project.provide('chromiumPath', CHROMIUM);

  return async () => {
    stop(); // Ctrl-C, as a user would: the server stops DynamoDB Local itself
    for (let waited = 0; signalGroup(0) && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    signalGroup('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
}
