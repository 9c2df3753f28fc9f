import * as z from 'zod/mini';
import { ENVIRONMENTS, TENANT_SECRETS_PREFIX, type Environment } from './instance';

/**
 * The secret an instance proves itself with to the credentials route (functions/api/instance-credentials.ts):
 * one per tenant and environment, next to its database password (the task execution role already
 * reads that prefix and hands it to the container as AWS_CONTAINER_AUTHORIZATION_TOKEN).
 */
export const instanceTokenSecretName = (tenantId: string, env: Environment) => `${TENANT_SECRETS_PREFIX}${tenantId}/${env}/instance-token`;

/** The route every instance's AWS SDK asks for credentials (the ECS container-credentials protocol), under the API's own name. */
export const INSTANCE_CREDENTIALS_PATH = '/api/instance-credentials';

/** Tenant ids as tenantOfPath accepts them (UUIDs in practice); no dot, so the token splits unambiguously. */
const TENANT_ID = /^[A-Za-z0-9-]{1,80}$/;
/** 32 random bytes, base64url. */
const SECRET_PART = /^[A-Za-z0-9_-]{43}$/;

/** `<tenantId>.<env>.<random>`: says which secret to compare against without any lookup table. */
export const instanceToken = (tenantId: string, env: Environment, random: string) => `${tenantId}.${env}.${random}`;

/** Whose token it claims to be, or undefined for anything not shaped like one (never trusted until compared). */
export function parseInstanceToken(token: string): { tenantId: string; env: Environment } | undefined {
  const [tenantId = '', env = '', random = '', ...rest] = token.split('.');
  if (rest.length > 0 || !TENANT_ID.test(tenantId) || !SECRET_PART.test(random)) return undefined;
  const environment = ENVIRONMENTS.find((e) => e === env);
  return environment ? { tenantId, env: environment } : undefined;
}

/** The STS session an instance's credentials belong to (CloudTrail shows it): `<env>-<tenantId>`, 41 characters for a UUID id (STS allows 64). */
export const instanceSessionName = (tenantId: string, env: Environment) => `${env}-${tenantId}`;

/** The credentials route's answer: the ECS container-credentials JSON every AWS SDK reads (Expiration as ISO 8601). */
export const containerCredentialsSchema = z.object({ AccessKeyId: z.string(), SecretAccessKey: z.string(), Token: z.string(), Expiration: z.string() });
export type ContainerCredentials = z.infer<typeof containerCredentialsSchema>;
