import { signTransferRequest } from './transfer-auth';
import {
  TRANSFER_PATHS,
  type TransferApplicationsResponse,
  type TransferStatusUpdate,
} from './transfer.dto';

export class TransferClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TransferClientError';
  }
}

/** The back office's side of the zone boundary: it starts every connection (ARCHITECTURE.md, zones). */
export class TransferClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async fetchApplications(limit: number): Promise<TransferApplicationsResponse> {
    const path = `${TRANSFER_PATHS.applications}?limit=${limit}`;
    return (await this.request('GET', path)) as TransferApplicationsResponse;
  }

  async acknowledge(id: string): Promise<void> {
    await this.request('POST', TRANSFER_PATHS.ack(id), {});
  }

  async pushStatus(updates: TransferStatusUpdate[]): Promise<void> {
    await this.request('POST', TRANSFER_PATHS.status, { updates });
  }

  private async request(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    const body = json === undefined ? new Uint8Array() : Buffer.from(JSON.stringify(json));
    const headers: Record<string, string> = signTransferRequest(this.key, method, path, body);
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: json === undefined ? undefined : body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new TransferClientError(`portal unreachable: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      throw new TransferClientError(
        `portal answered ${res.status}: ${text.slice(0, 200)}`,
        res.status,
      );
    }
    return text ? JSON.parse(text) : undefined;
  }
}
