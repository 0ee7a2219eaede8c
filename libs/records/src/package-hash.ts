import { createHash } from 'node:crypto';

export interface PackageFileHash {
  /** path inside the package, '/'-separated, e.g. 'attachments/map.png' */
  name: string;
  /** SHA-256, lowercase hex */
  sha256: string;
}

/**
 * The manifest of a record package: one line `<sha256>  <name>\n` per file (the format of `sha256sum`), sorted by
 * name in UTF-8 byte order. Anyone can rebuild it with free tools:
 *   (cd package && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum)
 */
export function packageManifest(files: readonly PackageFileHash[]): string {
  const sorted = [...files].sort((a, b) =>
    Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
  );
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].name === sorted[i - 1].name) {
      throw new Error(`duplicate file name in a record package: ${sorted[i].name}`);
    }
  }
  return sorted.map((f) => `${f.sha256.toLowerCase()}  ${f.name}\n`).join('');
}

/** The package SHA-256: SHA-256 of its manifest (the sorted list of files with their hashes). */
export function packageSha256(files: readonly PackageFileHash[]): string {
  return createHash('sha256').update(packageManifest(files), 'utf8').digest('hex');
}
