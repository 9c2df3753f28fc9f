import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** Port for secrets (tenant database passwords, admin credentials). Never stored in the table. */
export interface Secrets {
  get(name: string): Promise<string | undefined>;
  /** Creates the secret or replaces its value. */
  put(name: string, value: string): Promise<void>;
  /** Deletes it (no-op when there is none). */
  delete(name: string): Promise<void>;
}

export class SecretsManagerSecrets implements Secrets {
  constructor(private readonly client: SecretsManagerClient) {}

  async get(name: string): Promise<string | undefined> {
    try {
      return (await this.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async put(name: string, value: string): Promise<void> {
    try {
      await this.client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    }
  }

  /** Scheduled for deletion after 7 days (the shortest recovery window): an offboarding mistake stays recoverable for a week. */
  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException) && (error as { name?: string }).name !== 'InvalidRequestException') throw error;
    }
  }
}
