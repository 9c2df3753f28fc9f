import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { ecrImageOf, ecrRepositoryArn } from '../../providers/image-source';
import type { Secrets } from '../../providers/secrets';
import { errorName, errorText, fail, ok, warn, type PreflightCheck } from './check';

const NAME = 'Tenant image';

/**
 * The spaceOS image can be pulled: in ECR it exists (DescribeImages; in another account as far as
 * these credentials may look, and its repository policy must let the task execution role pull);
 * elsewhere it is public or comes with a credentials secret in the form ECS reads.
 */
export async function imageCheck(deps: { ecr: ECRClient; secrets: Secrets; account: string; region: string }, image: string | undefined, credentialsSecretArn?: string): Promise<PreflightCheck> {
  if (!image) return warn(NAME, 'not checked: LAUNCHPAD_TENANT_IMAGE (or tenantImage in cdk.context.json) is not set');
  const ecr = ecrImageOf(image);
  if (!ecr) {
    if (!credentialsSecretArn) return warn(NAME, `${image} is pulled without credentials: it must be public (and Docker Hub limits anonymous pulls)`, 'For a private registry deploy with -c tenantImageCredentialsSecretArn=<secret with {"username","password"}>');
    const value = await deps.secrets.get(credentialsSecretArn);
    let credentials: unknown;
    try {
      credentials = JSON.parse(value ?? '');
    } catch {
      credentials = undefined;
    }
    const usable = typeof credentials === 'object' && credentials !== null && 'username' in credentials && 'password' in credentials;
    if (!usable) return fail(NAME, `${credentialsSecretArn} ${value === undefined ? 'does not exist' : 'is not {"username": ..., "password": ...}'}`, 'Store the registry credentials as JSON {"username","password"} in that secret (ECS repositoryCredentials)');
    return ok(NAME, `${image} from a private registry, with credentials (not pulled from here)`);
  }
  const foreign = ecr.registryId !== deps.account;
  const where = `${ecr.repository} in ${ecr.registryId}/${ecr.region}`;
  const tag = ecr.digest ? { imageDigest: ecr.digest } : { imageTag: ecr.tag ?? 'latest' };
  const policy = `The repository policy of ${ecrRepositoryArn(ecr)} must allow ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability to the task execution role (Launchpad-Tenancy output TaskExecutionRoleArn)`;
  try {
    await deps.ecr.send(new DescribeImagesCommand({ registryId: ecr.registryId, repositoryName: ecr.repository, imageIds: [tag] }));
  } catch (error) {
    const name = errorName(error);
    if (name === 'ImageNotFoundException') return fail(NAME, `${image}: no such tag in ${where}`, `Push ${ecr.tag ?? ecr.digest ?? 'latest'} to ${ecr.repository}`);
    if (name === 'RepositoryNotFoundException') return fail(NAME, `no repository ${where}`, `Create it and push the image, or fix tenantImage`);
    if (foreign && (name === 'AccessDeniedException' || name === 'AccessDenied')) return warn(NAME, `${image} is in another account; these credentials may not look at it (${errorText(error)})`, policy);
    throw error;
  }
  if (foreign) return warn(NAME, `${image} exists, in account ${ecr.registryId}`, policy);
  return ok(NAME, `${image} exists${ecr.region === deps.region ? '' : ` (pulled across regions from ${ecr.region})`}`);
}
