function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** ' (did you mean "label"?)' for the closest candidate within a few edits, else ''. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const lower = input.toLowerCase();
  // A shortened or lengthened key ("retention" for "retentionYears") is as likely as a typo.
  const prefixed =
    lower.length < 3
      ? undefined
      : (candidates.find((c) => c.toLowerCase().startsWith(lower)) ??
        candidates.find((c) => c.length >= 3 && lower.startsWith(c.toLowerCase())));
  if (prefixed !== undefined) {
    return ` (did you mean "${prefixed}"?)`;
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === lower ? 0 : distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = input.length <= 3 ? 1 : Math.max(2, Math.floor(input.length / 3));
  return best !== undefined && bestDistance <= limit ? ` (did you mean "${best}"?)` : '';
}
