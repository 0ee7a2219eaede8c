import { createHash, createHmac } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
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

/**
 * A receiver's URL: each package is POSTed as one zip file, signed with HMAC-SHA256 over the timestamp and the body
 * (headers X-Madoguchi-Timestamp, X-Madoguchi-Signature), with an Idempotency-Key. A 2xx answer is required;
 * 5xx and time-outs are retried, 4xx is final.
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
    const response = await this.post(body, 'application/json', { 'x-madoguchi-event': 'test' });
    return `${new URL(this.url).origin} が応答しました（HTTP ${response.status}）。`;
  }

  async deliver(bag: Bag, context: DeliveryContext): Promise<DeliveryResult> {
    // the signature covers the body, so the zip is made first (a few MB per record)
    const body = await buffer(bagZipStream(bag));
    const packageSha256 = createHash('sha256').update(body).digest('hex');
    const response = await this.post(body, 'application/zip', {
      'x-madoguchi-event': 'package',
      'idempotency-key': context.idempotencyKey,
      'x-madoguchi-receipt-number': bag.name,
      'x-madoguchi-package-sha256': packageSha256,
      'content-disposition': `attachment; filename="${bag.name}.zip"`,
    });
    return {
      location: `${this.url} (HTTP ${response.status})`,
      packageSha256,
      wasAlreadyThere: false,
    };
  }

  private async post(
    body: Buffer,
    contentType: string,
    headers: Record<string, string>,
  ): Promise<Response> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        headers: {
          'content-type': contentType,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: webhookSignature(this.hmacKey, timestamp, body),
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
