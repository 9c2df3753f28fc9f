import { S3Client } from '@aws-sdk/client-s3';
import { Storage } from '../providers/storage';
import { platform } from './core';
import { once } from './env';

export const storage = once(() => new Storage(new S3Client({}), platform().bucket));
