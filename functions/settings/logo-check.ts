import { DEFAULT_LOGO, LOGO_MAX_BYTES, LOGO_TYPES, LOGO_UPLOAD_DIR, type LogoType } from '../../shared/settings';
import { tenantPrefix } from '../../shared/instance';
import type { Deps } from '../deps';

/** The first bytes each allowed type starts with: the declared type must be what the file is. */
const SIGNATURES: Record<LogoType, (b: Uint8Array) => boolean> = {
  'image/png': (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) => b[i] === x),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/webp': (b) => String.fromCharCode(...b.slice(0, 4)) === 'RIFF' && String.fromCharCode(...b.slice(8, 12)) === 'WEBP',
};

/** Key (relative to the tenant prefix) an upload of this type goes to. */
export const logoUploadKey = (type: LogoType, id: string) => `${LOGO_UPLOAD_DIR}logo-${id}.${LOGO_TYPES[type]}`;

/**
 * Why the logo a settings change points at cannot be used, or undefined if it can: it must be
 * the default or an upload in this tenant's own prefix, of an allowed type that its bytes
 * confirm, and small enough. Checked on save, whatever the browser or S3 policy let through.
 */
export async function logoProblem({ storage }: Pick<Deps, 'storage'>, tenantId: string, logo: string | undefined): Promise<string | undefined> {
  if (logo === undefined || logo === DEFAULT_LOGO) return undefined;
  const match = /^uploads\/logo-[A-Za-z0-9-]{8,64}\.(png|jpg|webp)$/.exec(logo);
  if (!match) return 'Upload the logo with the upload button';
  const object = await storage.getBytes(`${tenantPrefix(tenantId)}${logo}`);
  if (!object) return 'The uploaded logo was not found; upload it again';
  if (object.bytes.length > LOGO_MAX_BYTES) return `The logo is larger than ${LOGO_MAX_BYTES / 1024} KB`;
  const type = Object.entries(LOGO_TYPES).find(([, ext]) => ext === match[1])?.[0] as LogoType;
  if (!SIGNATURES[type](object.bytes)) return 'The file is not a PNG, JPEG or WebP image';
  return undefined;
}
