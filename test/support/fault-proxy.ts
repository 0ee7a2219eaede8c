/**
 * An HTTP proxy in front of a real server that misbehaves on demand (fault injection): answers 500, closes the
 * connection in the middle of an upload, answers slowly, stores something else than it was sent (it flips a
 * byte of every PUT body and passes the real server's answer back), or reads back something else than is stored
 * (it flips a byte of every GET body the server answers 200 to), or adds conditional writes to a store without them
 * ('conditional-put': a PUT with If-None-Match: * to a path written through the proxy before, and not deleted
 * through it since, is answered 412 Precondition Failed as S3 does).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';

export type Fault =
  | 'none'
  | 'status-500'
  | 'close-mid-upload'
  | 'slow'
  | 'corrupt-put'
  | 'corrupt-get'
  | 'conditional-put';

export interface FaultProxy {
  url: string;
  fault: Fault;
  /** requests seen, by method */
  counts: Record<string, number>;
  close(): Promise<void>;
}

/** Passes a body through with its first byte inverted (same length: only a checksum can tell). */
function flipFirstByte(): Transform {
  let isFlipped = false;
  return new Transform({
    transform(chunk: Buffer, _e, callback) {
      if (!isFlipped && chunk.length > 0) {
        const copy = Buffer.from(chunk);
        copy[0] ^= 0xff;
        isFlipped = true;
        callback(null, copy);
        return;
      }
      callback(null, chunk);
    },
  });
}

/**
 * `isHostKept`: forward the client's Host header as it is (an S3 store checks the SigV4 signature, which covers it).
 */
export async function startFaultProxy(
  target: string,
  slowMs = 3000,
  { isHostKept = false } = {},
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const state: FaultProxy = {
    url: '',
    fault: 'none',
    counts: {},
    close: () => new Promise((r) => server.close(() => r())),
  };
  const written = new Set<string>();
  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    state.counts[method] = (state.counts[method] ?? 0) + 1;
    const path = (req.url ?? '').split('?')[0];
    if (state.fault === 'conditional-put' && method === 'PUT' && written.has(path)) {
      if (req.headers['if-none-match'] === '*') {
        req.resume();
        res
          .writeHead(412, { 'content-type': 'application/xml' })
          .end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
          );
        return;
      }
    }
    if (method === 'DELETE') {
      written.delete(path);
    }
    if (state.fault === 'status-500') {
      req.resume();
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error (injected)');
      return;
    }
    if (state.fault === 'close-mid-upload' && method === 'PUT') {
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > 0) {
          req.socket.destroy();
        }
      });
      return;
    }
    const forward = () => {
      const headers: Record<string, string | string[] | undefined> = {
        ...req.headers,
        host: isHostKept ? req.headers.host : upstream.host,
      };
      const isCorrupting = state.fault === 'corrupt-put' && method === 'PUT';
      const destination = headers.destination;
      if (typeof destination === 'string') {
        const d = new URL(destination);
        headers.destination = `${upstream.origin}${d.pathname}`;
      }
      if (state.fault === 'corrupt-get' && method === 'GET') {
        delete headers['accept-encoding']; // plain bytes to flip
      }
      const out = request(
        { host: upstream.hostname, port: upstream.port, method, path: req.url, headers },
        (answer) => {
          if (method === 'PUT' && (answer.statusCode ?? 500) < 300) {
            written.add(path);
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          if (state.fault === 'corrupt-get' && method === 'GET' && answer.statusCode === 200) {
            answer.pipe(flipFirstByte()).pipe(res);
          } else {
            answer.pipe(res);
          }
        },
      );
      out.on('error', () => res.destroy());
      if (isCorrupting) {
        req.pipe(flipFirstByte()).pipe(out);
      } else {
        req.pipe(out);
      }
    };
    if (state.fault === 'slow') {
      setTimeout(forward, slowMs);
    } else {
      forward();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`;
  return state;
}
