import { createHash, createHmac } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArchiveError, ArchiveErrorCode } from '../archive.error';
import type { Bag } from '../bagit/bag';
import { bagZipStream } from '../bagit/bag-writers';
import type { ArchiveTarget, DeliveryContext, DeliveryResult } from './archive-target';
import { describeResponse, httpFailure, networkFailure } from './http-failure';

export const SIGNATURE_HEADER = 'x-madoguchi-signature';
export const TIMESTAMP_HEADER = 'x-madoguchi-timestamp';

/** The HMAC-SHA256 a receiver recomputes: over `<timestamp>.<body>` with the shared key, hex, `sha256=` prefixed. */
export function webhookSignature(key: string, timestamp: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** A request body with its size and its signature (computed over the timestamp and the exact bytes sent). */
interface SignedBody {
  body: Buffer | ReadableStream;
  size: number;
  timestamp: string;
  signature: string;
}

/**
 * A receiver's URL: each package is POSTed as one zip file, signed with HMAC-SHA256 over the timestamp and the body
 * (headers X-Madoguchi-Timestamp, X-Madoguchi-Signature), with an Idempotency-Key. A 2xx answer is required;
 * 5xx and time-outs are retried, 4xx is final. The zip is streamed from a temporary file (docs/record-package.md
 * describes the request for a receiver).
 */
export class WebhookTarget implements ArchiveTarget {
  constructor(
    private readonly url: string,
    private readonly hmacKey: string,
    private readonly timeoutMs: number,
  ) {
    if (!hmacKey) {
      throw new ArchiveError(
        ArchiveErrorCode.BadSettings,
        '署名用の鍵（HMAC鍵）が設定されていません。',
      );
    }
  }

  async test(): Promise<string> {
    const body = Buffer.from(JSON.stringify({ event: 'test', sentAt: new Date().toISOString() }));
    const response = await this.post(this.signed(body), 'application/json', {
      'x-madoguchi-event': 'test',
    });
    return `${new URL(this.url).origin} が応答しました（HTTP ${response.status}）。`;
  }

  async deliver(bag: Bag, context: DeliveryContext): Promise<DeliveryResult> {
    // The zip goes through a temporary file, never whole in memory: written once (its SHA-256 and size on the way),
    // then read for the signature with a fresh timestamp, then streamed as the request body.
    const dir = await mkdtemp(join(tmpdir(), 'madoguchi-webhook-'));
    try {
      const file = join(dir, 'package.zip');
      const hash = createHash('sha256');
      let size = 0;
      await pipeline(
        bagZipStream(bag),
        new Transform({
          transform(chunk: Buffer, _e, callback) {
            hash.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        createWriteStream(file),
      );
      const packageSha256 = hash.digest('hex');
      const timestamp = String(Math.floor(Date.now() / 1000));
      const hmac = createHmac('sha256', this.hmacKey).update(`${timestamp}.`);
      for await (const chunk of createReadStream(file)) {
        hmac.update(chunk as Buffer);
      }
      const response = await this.post(
        {
          body: Readable.toWeb(createReadStream(file)) as ReadableStream,
          size,
          timestamp,
          signature: `sha256=${hmac.digest('hex')}`,
        },
        'application/zip',
        {
          'x-madoguchi-event': 'package',
          'idempotency-key': context.idempotencyKey,
          'x-madoguchi-receipt-number': bag.name,
          'x-madoguchi-package-sha256': packageSha256,
          'content-disposition': `attachment; filename="${bag.name}.zip"`,
        },
      );
      return {
        location: `${this.url} (HTTP ${response.status})`,
        packageSha256,
        wasAlreadyThere: false,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private signed(body: Buffer): SignedBody {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      body,
      size: body.length,
      timestamp,
      signature: webhookSignature(this.hmacKey, timestamp, body),
    };
  }

  private async post(
    signed: SignedBody,
    contentType: string,
    headers: Record<string, string>,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        body: signed.body,
        duplex: 'half',
        redirect: 'manual',
        headers: {
          'content-type': contentType,
          'content-length': String(signed.size),
          [TIMESTAMP_HEADER]: signed.timestamp,
          [SIGNATURE_HEADER]: signed.signature,
          ...headers,
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw networkFailure(e, '送信先', this.url);
    }
    if (response.status < 200 || response.status > 299) {
      throw await httpFailure(response, '送信先');
    }
    await describeResponse(response); // read the body so the connection is released
    return response;
  }
}
