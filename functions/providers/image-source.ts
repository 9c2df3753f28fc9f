/**
 * Where the spaceOS image comes from, read from its reference. ECR is pulled with the task execution
 * role's own IAM permissions (ecr:BatchGetImage on the repository, and the repository's policy when
 * it belongs to another account); any other registry anonymously, or with the credentials secret
 * given as `tenantImageCredentialsSecretArn` (ECS `repositoryCredentials`).
 */
export interface EcrImage {
  registryId: string;
  region: string;
  repository: string;
  /** Tag, or undefined when the reference names a digest (or nothing: `latest`). */
  tag?: string;
  digest?: string;
  /** `amazonaws.com`, or `amazonaws.com.cn` in the China partition. */
  partition: 'aws' | 'aws-cn';
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9._/-]+?)(?::([\w.-]{1,128}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/** The ECR repository an image reference names, or undefined for any other registry. */
export function ecrImageOf(image: string): EcrImage | undefined {
  const match = ECR_IMAGE.exec(image);
  if (!match) return undefined;
  const [, registryId, region, cn, repository, tag, digest] = match;
  return {
    registryId: registryId!,
    region: region!,
    repository: repository!,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
    partition: cn ? 'aws-cn' : 'aws',
  };
}

/** arn:aws:ecr:<region>:<account>:repository/<name>: what the execution role is granted to pull. */
export function ecrRepositoryArn(image: EcrImage): string {
  return `arn:${image.partition}:ecr:${image.region}:${image.registryId}:repository/${image.repository}`;
}
