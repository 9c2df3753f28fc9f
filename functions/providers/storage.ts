import { CopyObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Tenant files in one bucket, a prefix per tenant (S3; s3rver on the embedded default). */
export class Storage {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await Body?.transformToString('utf8');
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }));
      keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    return keys;
  }

  /** Copies every object under `from` to the same relative key under `to` (overwriting: idempotent). */
  async copyPrefix(from: string, to: string): Promise<string[]> {
    const keys = await this.list(from);
    await Promise.all(
      keys.map((key) =>
        this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, Key: `${to}${key.slice(from.length)}`, CopySource: `${this.bucket}/${encodeURI(key)}` })),
      ),
    );
    return keys.map((key) => `${to}${key.slice(from.length)}`);
  }
}
