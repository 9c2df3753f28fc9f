import type { ContainerCredentials } from '../../shared/instance-token';
import { vendInstanceCredentials, type InstanceCredentialsDeps } from '../tenant/instance-credentials';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { instanceSessions } from '../lambda/compute';
import { secrets } from '../lambda/secrets';
import { tables } from '../lambda/tables';
import { clientLimitKey } from './client-key';
import { header, json, notFound, tooManyRequests, type ApiEvent, type ApiHandler } from './http';

/** The same answer for every refusal: it tells nobody whether a tenant, its token or its instance exists. */
const REFUSED = json(401, { errors: { authorization: 'Not a valid instance token' } });

/**
 * GET /api/instance-credentials: an instance's AWS credentials, in the ECS container-credentials
 * format its SDK reads (AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN
 * sent as `Authorization`). Without `instanceSessions` (the embedded default has no IAM) the route is not there.
 */
export function createInstanceCredentialsHandler(deps: Omit<InstanceCredentialsDeps, 'instanceSessions'> & Partial<Pick<InstanceCredentialsDeps, 'instanceSessions'>>): ApiHandler {
  return async (event: ApiEvent) => {
    const { instanceSessions: sessions } = deps;
    if (!sessions) return notFound('Instance credentials are vended on AWS only');
    const vended = await vendInstanceCredentials({ ...deps, instanceSessions: sessions }, header(event, 'authorization') ?? '', clientLimitKey(event));
    if (vended.ok) {
      const { accessKeyId, secretAccessKey, sessionToken, expiration } = vended.credentials;
      return json(200, { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, Token: sessionToken, Expiration: expiration } satisfies ContainerCredentials);
    }
    return vended.reason === 'limited' ? tooManyRequests(vended.retryAfterSeconds ?? 60, 'Too many credential requests; try again later.') : REFUSED;
  };
}

export const handler = lambdaEntry(createInstanceCredentialsHandler, () => ({ ...core(), rateLimits: tables().rateLimits, tenants: tables().tenants, secrets: secrets(), instanceSessions: instanceSessions() }));
