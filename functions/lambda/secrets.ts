import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../providers/secrets';
import { once } from './env';

export const secrets = once(() => new SecretsManagerSecrets(new SecretsManagerClient({})));
