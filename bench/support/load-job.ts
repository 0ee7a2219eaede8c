/** What the autocannon worker is asked to run (written as JSON by the orchestrator). */
export interface LoadJob {
  url: string;
  connections: number;
  /** seconds; ignored when `variants` is given (then every variant is sent once) */
  duration: number;
  method?: 'GET' | 'POST';
  /** one request each, in turn: a different cookie and body per request (e.g. one draft per submission) */
  variants?: Array<{ cookie: string; body: string }>;
}

export interface LoadResult {
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  other: number;
  errors: number;
  statusCodes: Record<string, number>;
}
