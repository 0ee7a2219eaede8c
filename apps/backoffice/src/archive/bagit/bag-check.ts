import { createHash } from 'node:crypto';

/** Reads one file of a delivered bag by its path inside the bag; null when it is not there. */
export type BagFileReader = (path: string) => Promise<Buffer | null>;

function manifestLines(text: string): Array<{ sha256: string; path: string }> {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const [sha256, ...rest] = line.split('  ');
      const path = rest.join('  ').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
      return { sha256, path };
    });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Fixity of a delivered directory bag: the tag manifest is the one delivered (its SHA-256 was kept), every tag
 * file and every payload file still has the checksum its manifest gives.
 */
export async function checkDeliveredBag(
  read: BagFileReader,
  tagManifestSha256: string,
): Promise<string[]> {
  const differences: string[] = [];
  const tagManifest = await read('tagmanifest-sha256.txt');
  if (!tagManifest) {
    return ['tagmanifest-sha256.txt is missing'];
  }
  if (sha256(tagManifest) !== tagManifestSha256) {
    differences.push('tagmanifest-sha256.txt is not the one delivered');
  }
  for (const entry of manifestLines(tagManifest.toString('utf8'))) {
    const bytes = await read(entry.path);
    if (!bytes) {
      differences.push(`${entry.path} is missing`);
    } else if (sha256(bytes) !== entry.sha256) {
      differences.push(`${entry.path} has changed`);
    }
  }
  const manifest = await read('manifest-sha256.txt');
  for (const entry of manifest ? manifestLines(manifest.toString('utf8')) : []) {
    const bytes = await read(entry.path);
    if (!bytes) {
      differences.push(`${entry.path} is missing`);
    } else if (sha256(bytes) !== entry.sha256) {
      differences.push(`${entry.path} has changed`);
    }
  }
  return differences;
}
