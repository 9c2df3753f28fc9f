import { CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPost } from '@aws-sdk/s3-presigned-post';

const isMissing = (error: unknown) => error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey';

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
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** An object's bytes and type, or undefined if there is none. */
  async getBytes(key: string): Promise<{ bytes: Uint8Array; contentType: string | undefined } | undefined> {
    try {
      const { Body, ContentType } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Body ? { bytes: await Body.transformToByteArray(), contentType: ContentType } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * A browser upload straight to the bucket: S3 itself enforces the key, the exact content type
   * and the size range, so the file never passes through a Lambda.
   */
  async presignedUpload(key: string, contentType: string, maxBytes: number, expiresSeconds = 300): Promise<PresignedPost> {
    return createPresignedPost(this.s3, {
      Bucket: this.bucket,
      Key: key,
      Conditions: [['content-length-range', 1, maxBytes], ['eq', '$Content-Type', contentType]],
      Fields: { 'Content-Type': contentType },
      Expires: expiresSeconds,
    });
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

  /** Deletes every object under `prefix` (1000 per request); returns how many there were. */
  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
    return keys.length;
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
