/**
 * The form under which two file names collide: NFC and case folded, as on a case-insensitive file system
 * (RFC 8493 §3). The archive's bag check and the package's own numbering of duplicates use the same rule.
 */
export function foldFileName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * A resident's file name as a safe single path segment inside a package: no directory parts, no control
 * characters, no leading dots, at most 150 characters (NFC); duplicates (foldFileName: 'Map.png' and 'map.png' too) get ' (2)', ' (3)' before the extension.
 */
export function safeFileNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((raw) => {
    const base =
      raw
        .normalize('NFC')
        .replace(/[/\\]/g, '_')
        .replace(/\p{Cc}/gu, '_')
        .replace(/^[.\s]+/, '')
        .trim()
        .slice(0, 150) || 'file';
    let name = base;
    const dot = base.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
    for (let n = 2; used.has(foldFileName(name)); n++) {
      name = `${stem} (${n})${ext}`;
    }
    used.add(foldFileName(name));
    return name;
  });
}
