import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { SHA256_DIGEST_INFO_PREFIX } from '@madoguchi/jpki';
import type { SessionKind, SessionStatus } from '../signer-api.client';

export interface RecordedRequest {
  method: string;
  path: string;
  body: string;
}

export interface SignerContractServerOptions {
  kind: SessionKind;
  status?: SessionStatus;
  /** Answer GET {session} with this HTTP status and an error body (404, 410). */
  getStatus?: number;
  /** Replace the DigestInfo the portal would send (to test the app's check). */
  digestInfo?: Buffer;
  /** Refuse the certificate with 422 and this code (e.g. CERTIFICATE_REVOKED). */
  refuseCertificate?: string;
}

const DOCUMENT = Buffer.from('{"form":"juminhyo","answers":{"copies":1}}');
export const CONTRACT_RECEIPT_NUMBER = 'R-990019-2026-000123';

/**
 * The signer API contract (issue 4 §4 / apps/signer) with fixed data, on a real port, for the app's tests. Every
 * request body is recorded as received. The signing phase works as the portal does: it keeps the bytes it asks to
 * be signed (here random bytes standing in for the DER of the signed attributes), answers the DigestInfo over them,
 * and verifies the raw signature with node crypto against the posted certificate's key.
 */
export class SignerContractServer {
  readonly requests: RecordedRequest[] = [];
  readonly failures: string[] = [];
  readonly token = randomBytes(16).toString('base64url');
  cardface: Record<string, unknown> | undefined;
  status: SessionStatus;
  private server: Server | undefined;
  private certificate: X509Certificate | undefined;
  private toBeSigned: Buffer | undefined;
  private port = 0;

  constructor(private readonly options: SignerContractServerOptions) {
    this.status = options.status ?? 'open';
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get sessionUrl(): string {
    return `${this.origin}/api/signer/v1/sessions/${this.token}`;
  }

  get pageUrl(): string {
    return `${this.origin}/s/${this.token}`;
  }

  get deepLink(): string {
    return `madoguchi-signer://session?url=${encodeURIComponent(this.sessionUrl)}`;
  }

  get documentSha256(): string {
    return createHash('sha256').update(DOCUMENT).digest('hex');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    this.requests.push({ method: req.method ?? '', path, body });
    const send = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const error = (status: number, code: string, ja: string, en: string): void =>
      send(status, { error: code, message: { ja, en } });
    const base = `/api/signer/v1/sessions/${this.token}`;
    if (!path.startsWith(base)) {
      return error(404, 'SESSION_NOT_FOUND', '見つかりません', 'Not found');
    }
    const action = path.slice(base.length);
    if (req.method === 'GET' && action === '') {
      if (this.options.getStatus) {
        return error(this.options.getStatus, 'SESSION_EXPIRED', '期限切れです', 'Expired');
      }
      return send(200, this.session());
    }
    if (req.method !== 'POST') {
      return error(405, 'METHOD_NOT_ALLOWED', '不正な要求です', 'Method not allowed');
    }
    if (this.status !== 'open') {
      return error(410, 'SESSION_EXPIRED', '期限切れです', 'Expired');
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return error(400, 'BAD_REQUEST', '不正な要求です', 'Bad request');
    }
    switch (action) {
      case '/cardface': {
        const keys = Object.keys(json).sort().join(',');
        if (this.options.kind !== 'cardface' || keys !== 'address,birthdate,name,sex') {
          return error(400, 'BAD_REQUEST', '不正な要求です', 'Bad request');
        }
        this.cardface = json;
        this.status = 'completed';
        return send(200, { status: 'completed' });
      }
      case '/certificate': {
        if (this.options.refuseCertificate) {
          return error(
            422,
            this.options.refuseCertificate,
            'この電子証明書は失効しています。',
            'This certificate has been revoked.',
          );
        }
        this.certificate = new X509Certificate(Buffer.from(String(json.certificate), 'base64'));
        this.toBeSigned = randomBytes(120);
        const digestInfo =
          this.options.digestInfo ??
          Buffer.concat([
            SHA256_DIGEST_INFO_PREFIX,
            createHash('sha256').update(this.toBeSigned).digest(),
          ]);
        return send(200, { digestInfo: digestInfo.toString('base64'), hashAlgorithm: 'sha256' });
      }
      case '/signature': {
        const signature = Buffer.from(String(json.signature), 'base64');
        const isValid =
          this.certificate !== undefined &&
          this.toBeSigned !== undefined &&
          signature.length === 256 &&
          verify('sha256', this.toBeSigned, this.certificate.publicKey, signature);
        if (!isValid) {
          return error(
            422,
            'SIGNATURE_INVALID',
            '署名を検証できませんでした。',
            'The signature could not be verified.',
          );
        }
        this.status = 'completed';
        return send(200, { status: 'completed', receiptNumber: CONTRACT_RECEIPT_NUMBER });
      }
      case '/failure':
        this.failures.push(String(json.reason));
        return send(200, { status: 'failed' });
      default:
        return error(404, 'NOT_FOUND', '見つかりません', 'Not found');
    }
  }

  private session(): unknown {
    const common = {
      kind: this.options.kind,
      status: this.status,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      municipality: { code: '990019', name: { ja: '窓口市', en: 'Madoguchi City' } },
      form: {
        id: 'juminhyo',
        title: { ja: '住民票の写しの交付申請', en: 'Certificate of residence' },
      },
    };
    return this.options.kind === 'cardface'
      ? { ...common, requested: ['name', 'address', 'birthdate', 'sex'] }
      : {
          ...common,
          summary: [
            { label: { ja: '申請者', en: 'Applicant' }, value: '窓口　花子' },
            { label: { ja: '通数', en: 'Copies' }, value: '1通' },
          ],
          document: { sha256: this.documentSha256, size: DOCUMENT.length },
        };
  }
}
