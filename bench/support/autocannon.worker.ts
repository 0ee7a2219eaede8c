/**
 * Runs one autocannon job in its own process, so the load generator never shares a CPU budget with the server it
 * measures: node dist/bench/support/autocannon.worker.js JOB.json → one line of JSON (LoadResult) on stdout.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { LoadJob, LoadResult } from './load-job';

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadJob;
  const variants = job.variants;
  let next = 0;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    timeout: 30,
    ...(variants
      ? {
          amount: variants.length,
          requests: [
            {
              method: job.method ?? 'POST',
              setupRequest: (req) => {
                const v = variants[next++ % variants.length];
                return {
                  ...req,
                  headers: {
                    ...req.headers,
                    cookie: v.cookie,
                    'content-type': 'application/x-www-form-urlencoded',
                  },
                  body: v.body,
                };
              },
            },
          ],
        }
      : { duration: job.duration, method: job.method ?? 'GET' }),
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
    statusCodes[code] = count;
  }
  const ok = result['2xx'] + result['3xx'];
  const requests = ok + result['4xx'] + result['5xx'];
  const out: LoadResult = {
    seconds: result.duration,
    requests,
    requestsPerSecond: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    ok,
    other: requests - ok,
    errors: result.errors + result.timeouts,
    statusCodes,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
