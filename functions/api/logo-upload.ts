import * as z from 'zod/mini';
import { tenantPrefix } from '../../shared/instance';
import { LOGO_MAX_BYTES, LOGO_TYPES, type LogoType } from '../../shared/settings';
import type { Deps } from '../deps';
import { logoUploadKey } from '../settings/logo-check';
import { sessionTenantWithBody } from './admin-session';
import { json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { sessions } from '../lambda/keys';
import { storage } from '../lambda/storage';
import { tables } from '../lambda/tables';

// An enum of the allowed types, not a key lookup in LOGO_TYPES: `toString` or `__proto__` are keys of every object.
const logoTypes = Object.keys(LOGO_TYPES) as [LogoType, ...LogoType[]];

const uploadRequestSchema = z.object({
  contentType: z.enum(logoTypes, `Upload a ${Object.values(LOGO_TYPES).map((e) => e.toUpperCase()).join(', ')} image`),
  size: z.int().check(z.minimum(1, 'The file is empty'), z.maximum(LOGO_MAX_BYTES, `The logo may be at most ${LOGO_MAX_BYTES / 1024} KB`)),
});

type LogoUploadDeps = Pick<Deps, 'newId' | 'now' | 'sessions' | 'storage' | 'tenants'>;

/**
 * POST /api/tenants/{id}/logo-upload {contentType, size}: a presigned POST into the tenant's own
 * prefix, limited by S3 to that type and size. The key is returned for the settings change; the
 * save checks the stored bytes again.
 */
export function createLogoUploadHandler(deps: LogoUploadDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenantWithBody(deps, event, uploadRequestSchema);
    if ('response' in admin) return admin.response;
    const type = admin.value.contentType;
    const key = logoUploadKey(type, deps.newId());
    const post = await deps.storage.presignedUpload(`${tenantPrefix(admin.tenant.tenantId)}${key}`, type, LOGO_MAX_BYTES);
    return json(200, { url: post.url, fields: post.fields, key });
  };
}

export const handler = lambdaEntry(createLogoUploadHandler, () => ({ ...core(), sessions: sessions(), storage: storage(), tenants: tables().tenants }));
