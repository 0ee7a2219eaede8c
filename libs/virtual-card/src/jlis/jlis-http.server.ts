import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ocspStatusOnly } from './ocsp.responder';

export interface JlisHttpBackend {
  crl(kind: 'sign' | 'auth' | 'root'): Promise<Buffer>;
  respondOcsp(requestDer: Buffer): Promise<Buffer>;
  caCertificate(file: 'root' | 'sign-ca' | 'auth-ca' | 'sign-ocsp' | 'auth-ocsp'): Buffer;
}

export interface JlisHttpServer {
  port: number;
  /** e.g. `http://127.0.0.1:3002` */
  url: string;
  close(): Promise<void>;
}

/** RFC 6960 requests are a few hundred bytes; anything near this is not an OCSP request. */
const MAX_REQUEST_BYTES = 64 * 1024;

/** The CPS qualifier of every certificate points here (JPKI.md §4.2 certificatePolicies). */
const CPS_TEXT = `madoguchi simulated J-LIS: a TEST certification authority.
これはテスト用の認証局です。公的個人認証サービス（J-LIS）の証明書ではありません。
Certificates issued here certify nothing about any real person and must never be trusted outside tests.
`;

const caFiles = ['root', 'sign-ca', 'auth-ca', 'sign-ocsp', 'auth-ocsp'] as const;

class RequestTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) {
      throw new RequestTooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, type: string, body: Buffer | string): void {
  response.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}

async function route(
  backend: JlisHttpBackend,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const method = request.method ?? 'GET';
  const crl = /^\/crl\/(sign|auth|root)\.crl$/.exec(path);
  if (crl && (method === 'GET' || method === 'HEAD')) {
    return send(
      response,
      200,
      'application/pkix-crl',
      await backend.crl(crl[1] as 'sign' | 'auth' | 'root'),
    );
  }
  const ca = /^\/ca\/([a-z-]+)\.cer$/.exec(path);
  if (ca && (caFiles as readonly string[]).includes(ca[1]) && method === 'GET') {
    return send(
      response,
      200,
      'application/pkix-cert',
      backend.caCertificate(ca[1] as (typeof caFiles)[number]),
    );
  }
  if (path === '/ocsp' && method === 'POST') {
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof RequestTooLarge) {
        return send(response, 413, 'text/plain', 'request too large\n');
      }
      throw error;
    }
    return send(response, 200, 'application/ocsp-response', await backend.respondOcsp(body));
  }
  // RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}.
  if (path.startsWith('/ocsp/') && method === 'GET') {
    const encoded = decodeURIComponent(path.slice('/ocsp/'.length));
    const der = /^[A-Za-z0-9+/=]+$/.test(encoded)
      ? Buffer.from(encoded, 'base64')
      : Buffer.alloc(0);
    return send(response, 200, 'application/ocsp-response', await backend.respondOcsp(der));
  }
  if (path === '/cps' && method === 'GET') {
    return send(response, 200, 'text/plain; charset=utf-8', CPS_TEXT);
  }
  return send(response, 404, 'text/plain', 'not found\n');
}

export async function startJlisHttpServer(
  backend: JlisHttpBackend,
  port: number,
  host: string,
): Promise<JlisHttpServer> {
  const server = createServer((request, response) => {
    route(backend, request, response).catch(() => {
      if (!response.headersSent) {
        const isOcsp = (request.url ?? '').startsWith('/ocsp');
        if (isOcsp) {
          send(response, 200, 'application/ocsp-response', ocspStatusOnly('internalError'));
        } else {
          send(response, 500, 'text/plain', 'internal error\n');
        }
      } else {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    port: actualPort,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
