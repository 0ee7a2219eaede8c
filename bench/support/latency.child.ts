/**
 * A client in its own process (so it takes no CPU from the server's event loop it measures): requests each URL one
 * after another until told to stop (a line on stdin) and at least `minimum` times, then prints the sorted
 * durations (ms) as JSON.  node dist/bench/support/latency.child.js <minimum> <url>...
 */
async function main(): Promise<void> {
  const [minimum, ...urls] = process.argv.slice(2);
  let isStopped = false;
  process.stdin.once('data', () => {
    isStopped = true;
  });
  const times: Record<string, number[]> = Object.fromEntries(urls.map((u) => [u, []]));
  while (!isStopped || Object.values(times).some((t) => t.length < Number(minimum))) {
    for (const url of urls) {
      const t0 = performance.now();
      const response = await fetch(url);
      await response.arrayBuffer();
      times[url].push(performance.now() - t0);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const url of urls) {
    times[url].sort((a, b) => a - b);
  }
  process.stdout.write(JSON.stringify(times));
  process.stdin.destroy();
}

void main();
