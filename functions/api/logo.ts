import { tenantPrefix } from '../../shared/instance';
import type { Deps } from '../deps';
import { settingsOf } from '../tenant/settings-of';
import { notFound, tenantOfPath, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { storage } from '../lambda/storage';
import { tables } from '../lambda/tables';

type LogoDeps = Pick<Deps, 'storage' | 'tenants'>;

/**
 * GET /api/tenants/{id}/logo: the tenant's current logo, public (mails and mobile apps show it).
 * Links carry ?v=<settings version>, so caches may keep each version for a day.
 */
export function createLogoHandler(deps: LogoDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const tenant = await tenantOfPath(deps.tenants, event);
    const logo = tenant && settingsOf(tenant).branding.logo;
    const object = tenant && logo ? await deps.storage.getBytes(`${tenantPrefix(tenant.tenantId)}${logo}`) : undefined;
    if (!object) return notFound('No logo');
    return {
      statusCode: 200,
      headers: {
        'content-type': object.contentType ?? 'application/octet-stream',
        'cache-control': 'public, max-age=86400',
        // An SVG opened directly must not run script in our origin.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        'x-content-type-options': 'nosniff',
      },
      body: Buffer.from(object.bytes).toString('base64'),
      isBase64Encoded: true,
    };
  };
}

export const handler = lambdaEntry(createLogoHandler, () => ({ ...core(), storage: storage(), tenants: tables().tenants }));
