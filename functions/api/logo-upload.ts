import { tenantPrefix } from '../../shared/instance';
import { LOGO_MAX_BYTES, logoUploadRequestSchema, type LogoUpload } from '../../shared/settings';
import type { Deps } from '../deps';
import { logoUploadKey } from '../settings/logo-check';
import { sessionTenantWithBody } from './admin-session';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { sessions } from '../lambda/keys';
import { storage } from '../lambda/storage';
import { tables } from '../lambda/tables';

type LogoUploadDeps = Pick<Deps, 'newId' | 'now' | 'sessions' | 'storage' | 'tenants'>;

/**
 * POST /api/tenants/{id}/logo-upload {contentType, size}: a presigned POST into the tenant's own
 * prefix, limited by S3 to that type and size. The key is returned for the settings change; the
 * save checks the stored bytes again.
 */
export function createLogoUploadHandler(deps: LogoUploadDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenantWithBody(deps, event, logoUploadRequestSchema);
    if ('response' in admin) return admin.response;
    const type = admin.value.contentType;
    const key = logoUploadKey(type, deps.newId());
    const post = await deps.storage.presignedUpload(`${tenantPrefix(admin.tenant.tenantId)}${key}`, type, LOGO_MAX_BYTES);
    const body: LogoUpload = { url: post.url, fields: post.fields, key };
    return json(200, body);
  };
}

export const handler = lambdaEntry(createLogoUploadHandler, () => ({ ...core(), sessions: sessions(), storage: storage(), tenants: tables().tenants }));
