import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArchiveError, ArchiveErrorCode } from '../archive.error';
import type { Bag } from '../bagit/bag';
import { checkDeliveredBag } from '../bagit/bag-check';
import { serializedBagStream, serializedName, type PackageFormat } from '../bagit/bag-writers';
import type {
  ArchiveTarget,
  DeliveryContext,
  DeliveryResult,
  FixityResult,
} from './archive-target';

const WHAT = 'S3互換ストレージ';
const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const base64Of = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

async function md5Of(stream: Readable): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('base64');
}

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** An S3 error or a network failure, as a message that says what to check. */
function s3Failure(e: unknown, bucket: string): ArchiveError {
  if (e instanceof ArchiveError) {
    return e;
  }
  if (e instanceof S3ServiceException) {
    const status = e.$metadata.httpStatusCode ?? 0;
    const response = `HTTP ${status} ${e.name}: ${e.message}`;
    if (e.name === 'NoSuchBucket' || (status === 404 && e.name === 'NotFound')) {
      return new ArchiveError(
        ArchiveErrorCode.Rejected,
        `${WHAT}: バケット「${bucket}」がありません。バケット名とエンドポイントを確かめてください。`,
        { response },
      );
    }
    if (
      ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(
        e.name,
      ) ||
      status === 403
    ) {
      return new ArchiveError(
        ArchiveErrorCode.Rejected,
        `${WHAT}: 認証に失敗したか、権限がありません（${e.name}）。アクセスキーIDとシークレットアクセスキー、バケットの権限を確かめてください。`,
        { response },
      );
    }
    if (
      ['BadDigest', 'XAmzContentSHA256Mismatch', 'XAmzContentChecksumMismatch'].includes(e.name)
    ) {
      // the store computed another checksum of what it received than the one sent: changed on the way
      return new ArchiveError(
        ArchiveErrorCode.Unavailable,
        `${WHAT}: 受け取った内容のチェックサムが送った内容と一致しないと応答しました（${e.name}）。時間をおいて自動で再試行します。`,
        { response },
      );
    }
    if (status >= 400 && status < 500) {
      return new ArchiveError(
        ArchiveErrorCode.Rejected,
        `${WHAT}: 受け付けられませんでした（HTTP ${status} ${e.name}）。`,
        { response },
      );
    }
    return new ArchiveError(
      ArchiveErrorCode.Unavailable,
      `${WHAT}: エラーが起きました（HTTP ${status} ${e.name}）。時間をおいて自動で再試行します。`,
      { response },
    );
  }
  const error = e as NodeJS.ErrnoException & {
    cause?: { code?: string };
    errors?: Array<{ code?: string }>;
  };
  // the SDK wraps Node's error ("AWS SDK error wrapper for Error: connect ECONNREFUSED …")
  const code =
    error.code ??
    error.cause?.code ??
    error.errors?.[0]?.code ??
    /\b(E[A-Z]{3,})\b/.exec(error.message)?.[1] ??
    error.message;
  return new ArchiveError(
    ArchiveErrorCode.Unavailable,
    `${WHAT}: 接続できませんでした（${code}）。エンドポイントと、サーバーが動いているかを確かめてください。`,
  );
}

/**
 * S3-compatible object storage: bucket and prefix; every object sent with its checksums (Content-MD5, which S3,
 * Ceph RGW and MinIO verify; x-amz-checksum-sha256 where the store supports it; x-amz-meta-sha256), the store's
 * answer checked, the object read back and compared; object lock retention to the record's retention end when the
 * bucket has object lock enabled. A directory bag is one object per file, the tag manifest written last (a bag
 * whose tag manifest is there is complete); a zip/tar bag is one object.
 */
export class S3Target implements ArchiveTarget {
  private readonly client: S3Client;
  private isObjectLockEnabled: boolean | undefined;

  constructor(private readonly settings: S3Settings) {
    if (!settings.secretAccessKey) {
      throw new ArchiveError(
        ArchiveErrorCode.BadSettings,
        `${WHAT}: シークレットアクセスキーが設定されていません。`,
      );
    }
    this.client = new S3Client({
      region: settings.region || 'ap-northeast-1',
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // we send our own SHA-256 (not the SDK's default CRC32 in an aws-chunked trailer)
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1, // the outbox retries with its own back-off
      // failures are reported by the connector (the delivery's row, the worker's log), not on the console
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });
  }

  async test(): Promise<string> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
      const key = `${this.settings.prefix}.madoguchi-probe-${randomBytes(6).toString('hex')}`;
      await this.client.send(
        new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: 'probe' }),
      );
      await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }));
    } catch (e) {
      throw s3Failure(e, this.settings.bucket);
    }
    const lock = (await this.objectLockEnabled())
      ? 'オブジェクトロックが有効です（保存期間満了日まで保護します）。'
      : 'このバケットではオブジェクトロックが使えません（保存期間による保護はされません）。';
    return `バケット「${this.settings.bucket}」に書き込めることを確かめました。${lock}`;
  }

  async deliver(bag: Bag, context: DeliveryContext): Promise<DeliveryResult> {
    try {
      const lock =
        context.retainUntil && (await this.objectLockEnabled()) ? context.retainUntil : null;
      const note =
        context.retainUntil && !lock
          ? 'バケットがオブジェクトロックに対応していないため、保存期間による保護はされていません。'
          : undefined;
      if (context.format === 'directory') {
        const root = `${this.settings.prefix}${bag.name}/`;
        const tagManifest = bag.entries[bag.entries.length - 1];
        const existing = await this.readObject(`${root}${tagManifest.path}`);
        if (existing) {
          // a retry after a crash: the same bag is there only if every file still has its checksum
          const differences =
            sha256Of(existing) === bag.tagManifestSha256
              ? await checkDeliveredBag(
                  (p) => this.readObject(`${root}${p}`),
                  bag.tagManifestSha256,
                )
              : ['tagmanifest-sha256.txt differs'];
          if (differences.length === 0) {
            return {
              location: this.location(root),
              packageSha256: bag.tagManifestSha256,
              wasAlreadyThere: true,
              note,
            };
          }
          throw this.exists(root);
        }
        for (const entry of bag.entries) {
          await this.putChecked(
            `${root}${entry.path}`,
            () => ({ Body: entry.open(), ContentLength: entry.size }),
            { sha256: entry.sha256, md5: await md5Of(entry.open()) },
            lock,
          );
        }
        return {
          location: this.location(root),
          packageSha256: bag.tagManifestSha256,
          wasAlreadyThere: false,
          note,
        };
      }
      const key = `${this.settings.prefix}${serializedName(bag, context.format)}`;
      const dir = await mkdtemp(join(tmpdir(), 'madoguchi-s3-'));
      try {
        // the size must be known before the upload: the package goes through a temporary file
        const file = join(dir, 'package');
        const hash = createHash('sha256');
        const md5 = createHash('md5');
        let size = 0;
        await pipeline(
          serializedBagStream(bag, context.format),
          new Transform({
            transform(chunk: Buffer, _e, callback) {
              hash.update(chunk);
              md5.update(chunk);
              size += chunk.length;
              callback(null, chunk);
            },
          }),
          createWriteStream(file),
        );
        const packageSha256 = hash.digest('hex');
        const existing = await this.readObject(key);
        if (existing) {
          // a retry after a crash finds its own package; anything else is never overwritten
          if (sha256Of(existing) === packageSha256) {
            return { location: this.location(key), packageSha256, wasAlreadyThere: true, note };
          }
          throw this.exists(key);
        }
        await this.putChecked(
          key,
          () => ({ Body: createReadStream(file), ContentLength: size }),
          { sha256: packageSha256, md5: md5.digest('base64') },
          lock,
        );
        return { location: this.location(key), packageSha256, wasAlreadyThere: false, note };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } catch (e) {
      throw s3Failure(e, this.settings.bucket);
    }
  }

  async fixity(
    location: string,
    format: PackageFormat,
    packageSha256: string,
  ): Promise<FixityResult> {
    const key = location.slice(`s3://${this.settings.bucket}/`.length);
    try {
      if (format !== 'directory') {
        const bytes = await this.readObject(key);
        if (!bytes) {
          return { isIntact: false, differences: [`${location} is missing`] };
        }
        const actual = sha256Of(bytes);
        return actual === packageSha256
          ? { isIntact: true, differences: [] }
          : { isIntact: false, differences: [`${location} has changed (SHA-256 ${actual})`] };
      }
      const differences = await checkDeliveredBag(
        (p) => this.readObject(`${key}${p}`),
        packageSha256,
      );
      return { isIntact: differences.length === 0, differences };
    } catch (e) {
      throw s3Failure(e, this.settings.bucket);
    }
  }

  private location(key: string): string {
    return `s3://${this.settings.bucket}/${key}`;
  }

  private exists(key: string): ArchiveError {
    return new ArchiveError(
      ArchiveErrorCode.TargetExists,
      `${WHAT}: ${this.location(key)} には別の内容のパッケージがすでにあります。上書きはしません。`,
    );
  }

  /**
   * PUT with the checksums the store verifies (Content-MD5 everywhere, x-amz-checksum-sha256 where supported), then
   * the store's own answer (its checksum, or the ETag that is the MD5 it computed of a plain single-part object)
   * and a read-back of the stored bytes compared with what was sent. A store that answered 200 but holds something
   * else is caught here: the object just written is removed (where object lock allows) and the attempt is retried.
   */
  private async putChecked(
    key: string,
    body: () => Pick<PutObjectCommandInput, 'Body' | 'ContentLength'>,
    digests: { sha256: string; md5: string },
    retainUntil: Date | null,
  ): Promise<void> {
    let answer;
    try {
      answer = await this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: key,
          ...body(),
          ContentMD5: digests.md5,
          ChecksumSHA256: base64Of(digests.sha256),
          Metadata: { sha256: digests.sha256 },
          // a second writer of the same key is refused where the store supports conditional writes
          IfNoneMatch: '*',
          ...(retainUntil
            ? { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: retainUntil }
            : {}),
        }),
      );
    } catch (e) {
      if (!(e instanceof S3ServiceException && e.$metadata.httpStatusCode === 412)) {
        throw e;
      }
      // the key exists: this file of the bag, written by an attempt interrupted before its tag manifest, or not
      const existing = await this.readObject(key);
      if (existing && sha256Of(existing) === digests.sha256) {
        return;
      }
      throw this.exists(key);
    }
    const etag = answer.ETag?.replace(/"/g, '') ?? '';
    // AWS: the ETag of a single-part object stored in plain or with SSE-S3 is the MD5 of its bytes
    const isEtagMd5 =
      /^[0-9a-f]{32}$/i.test(etag) &&
      answer.ServerSideEncryption !== 'aws:kms' &&
      answer.ServerSideEncryption !== 'aws:kms:dsse' &&
      !answer.SSECustomerAlgorithm;
    const isAnswerWrong =
      (answer.ChecksumSHA256 !== undefined && answer.ChecksumSHA256 !== base64Of(digests.sha256)) ||
      (isEtagMd5 && etag.toLowerCase() !== Buffer.from(digests.md5, 'base64').toString('hex'));
    const stored = isAnswerWrong ? null : await this.readObject(key);
    if (isAnswerWrong || !stored || sha256Of(stored) !== digests.sha256) {
      await this.client
        .send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }))
        .catch(() => undefined);
      throw new ArchiveError(
        ArchiveErrorCode.ReadBackMismatch,
        isAnswerWrong
          ? `${WHAT}: ${key} について、ストレージが計算したチェックサムが送った内容と一致しません。ストレージが正しく保存していない可能性があります。`
          : `${WHAT}: 送った ${key} と、読み戻した内容が一致しません。ストレージが正しく保存していない可能性があります。`,
        {
          response: `ETag ${answer.ETag ?? '-'}, x-amz-checksum-sha256 ${answer.ChecksumSHA256 ?? '-'}`,
        },
      );
    }
  }

  private async readObject(key: string): Promise<Buffer | null> {
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }),
      );
      return Buffer.from(await answer.Body!.transformToByteArray());
    } catch (e) {
      if (
        e instanceof S3ServiceException &&
        (e.name === 'NoSuchKey' || e.$metadata.httpStatusCode === 404) &&
        e.name !== 'NoSuchBucket'
      ) {
        return null;
      }
      throw e;
    }
  }

  private async objectLockEnabled(): Promise<boolean> {
    if (this.isObjectLockEnabled === undefined) {
      try {
        const answer = await this.client.send(
          new GetObjectLockConfigurationCommand({ Bucket: this.settings.bucket }),
        );
        this.isObjectLockEnabled = answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
      } catch {
        // not configured, or not implemented by this store (s3rver answers NotImplemented)
        this.isObjectLockEnabled = false;
      }
    }
    return this.isObjectLockEnabled;
  }
}
