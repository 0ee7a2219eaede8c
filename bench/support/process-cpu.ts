import { readFileSync } from 'node:fs';

/** Linux reports utime and stime in clock ticks of 1/100 s (USER_HZ, fixed at 100 on every Linux ABI). */
const TICK_MICROS = 10_000;

/**
 * CPU time (user + system, µs) that process `pid` has used so far, from /proc/<pid>/stat; undefined where there is
 * no /proc. The benchmarks divide it by the requests served: unlike requests/s, CPU time per request hardly moves
 * when other work on the machine takes cores away from the server.
 */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) {
    return undefined;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces; the fields after its closing parenthesis are plain numbers
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 of proc(5), counted from field 3 here
    return (Number(fields[11]) + Number(fields[12])) * TICK_MICROS;
  } catch {
    return undefined;
  }
}
