import { HAS_INSTANCE } from '../../shared/lifecycle';
import type { Deps } from '../deps';
import { renderTenantFiles } from '../settings/render-tenant-files';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { storage } from '../lambda/storage';

/** A save still rendering is not stuck: only markers older than this are picked up. */
export const RENDER_GRACE_MS = 60_000;

type RenderPendingDeps = Pick<Deps, 'logger' | 'now' | 'platform' | 'settingsStore' | 'storage' | 'tenants'>;

/**
 * Scheduled: renders the instance files of settings saves whose own rendering failed (the change
 * was stored; the page told the admin the instance follows shortly), so the instance catches up
 * without another save. Renders what is stored now, so several missed saves take one render.
 */
export function createRenderPending(deps: RenderPendingDeps) {
  const { settingsStore, tenants, logger, now } = deps;
  return async (): Promise<{ rendered: string[] }> => {
    const before = new Date(now().getTime() - RENDER_GRACE_MS).toISOString();
    const rendered: string[] = [];
    for (const pending of await settingsStore.pendingRenders(before)) {
      try {
        const tenant = await tenants.getTenant(pending.tenantId);
        // Offboarded (or never running): nothing reads the files; drop the marker.
        if (tenant && HAS_INSTANCE.has(tenant.status)) {
          await renderTenantFiles(deps, tenant);
          rendered.push(tenant.tenantId);
        }
        await settingsStore.rendered(pending.tenantId, tenant?.settingsVersion ?? pending.settingsVersion);
      } catch (error) {
        logger.error('Could not render instance files of a saved settings change', { tenantId: pending.tenantId, error });
      }
    }
    if (rendered.length > 0) logger.info('Rendered instance files a settings save had left unrendered', { rendered });
    return { rendered };
  };
}

export const handler = lambdaEntry(createRenderPending, () => ({ ...core(), platform: platform(), settingsStore: tables().settingsStore, storage: storage(), tenants: tables().tenants }));
