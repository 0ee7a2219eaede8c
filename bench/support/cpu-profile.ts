/** Where a V8 CPU profile (node --cpu-prof) spends its self time, by function, biggest first. */

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the clock V8 stamps its profiles with (CLOCK_MONOTONIC, µs), which every process on the host shares. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileWindow {
  from: number;
  to: number;
}

/** Self time by function and by package, of the samples inside the given windows (µs) if any. */
export function summarizeCpuProfile(
  profile: CpuProfile,
  top = 25,
  window?: ProfileWindow | ProfileWindow[],
): string {
  const windows = window === undefined ? undefined : Array.isArray(window) ? window : [window];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (windows && !windows.some((w) => at >= w.from && at <= w.to)) {
      return;
    }
    const frame = byId.get(id)?.callFrame;
    total += dt;
    if (!frame) {
      return;
    }
    const where = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
    const key = `${frame.functionName || '(anonymous)'}  ${where ? `${where}:${frame.lineNumber + 1}` : ''}`;
    selfMicros.set(key, (selfMicros.get(key) ?? 0) + dt);
    const group =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1] ??
      (frame.url.includes('/dist/')
        ? 'madoguchi'
        : frame.url
          ? 'node internals'
          : frame.functionName || '(native)');
    byPackage.set(group, (byPackage.get(group) ?? 0) + dt);
  });
  const pct = (m: number): string => `${((100 * m) / total).toFixed(1).padStart(5)} %`;
  const lines = [...selfMicros]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, m]) => `  ${pct(m)}  ${key}`);
  lines.push('  by package:');
  for (const [pkg, m] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    lines.push(`  ${pct(m)}  ${pkg}`);
  }
  return lines.join('\n');
}
