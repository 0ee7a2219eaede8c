import { ArchiveError, ArchiveErrorCode } from '../archive.error';

/** The start of a response, for the dead-letter view (status line and at most 500 characters of the body). */
export async function describeResponse(response: Response): Promise<string> {
  const body = await response.text().catch(() => '');
  return `HTTP ${response.status} ${response.statusText}${body ? `\n${body.slice(0, 500)}` : ''}`;
}

/** A failed HTTP answer: 4xx is final (dead letter, the answer shown); 5xx and anything else is retried. */
export async function httpFailure(response: Response, what: string): Promise<ArchiveError> {
  const described = await describeResponse(response);
  if (response.status === 401 || response.status === 403) {
    return new ArchiveError(
      ArchiveErrorCode.Rejected,
      `${what}: 認証に失敗しました（HTTP ${response.status}）。利用者名・パスワード（鍵）を確かめてください。`,
      { response: described },
    );
  }
  if (response.status >= 400 && response.status < 500) {
    return new ArchiveError(
      ArchiveErrorCode.Rejected,
      `${what}: 受け付けられませんでした（HTTP ${response.status}）。再試行しても同じ結果になるため、設定か相手側を確かめてから「再送」してください。`,
      { response: described },
    );
  }
  return new ArchiveError(
    ArchiveErrorCode.Unavailable,
    `${what}: 相手側でエラーが起きました（HTTP ${response.status}）。時間をおいて自動で再試行します。`,
    { response: described },
  );
}

/** A request that did not get an answer (refused, reset, time-out, DNS). */
export function networkFailure(e: unknown, what: string, url: string): ArchiveError {
  const error = e as Error & { cause?: { code?: string; message?: string } };
  const isTimeout = error.name === 'TimeoutError' || error.name === 'AbortError';
  const code = error.cause?.code ?? error.cause?.message ?? error.message;
  const origin = (() => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  })();
  return new ArchiveError(
    ArchiveErrorCode.Unavailable,
    isTimeout
      ? `${what}: ${origin} が時間内に応答しませんでした。時間をおいて自動で再試行します。`
      : `${what}: ${origin} に接続できませんでした（${code}）。URLと、相手のサーバーが動いているかを確かめてください。`,
  );
}
