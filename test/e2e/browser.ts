import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';

/** Debian's Chromium, headless, with a fresh profile for this test file (flags from DESIGN.md). */
export function useBrowser(): () => BrowserContext {
  let context: BrowserContext | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'launchpad-chromium-'));
  beforeAll(async () => {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: inject('chromiumPath'),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return () => {
    if (!context) throw new Error('The browser is not started yet');
    return context;
  };
}
