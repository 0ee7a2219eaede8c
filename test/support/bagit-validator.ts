/**
 * An independent BagIt 1.0 validator for tests, written from RFC 8493 alone: it imports nothing from the
 * back office's packager, so a bug there cannot hide itself here. Serialized bags (zip, tar) are unpacked with
 * the system's `unzip` and `tar`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

export interface BagReport {
  isValid: boolean;
  errors: string[];
  /** bag-info.txt elements: label → values, in file order (labels may repeat, §2.2.2) */
  info: Map<string, string[]>;
  /** payload paths (data/…) with their checksums per algorithm */
  payload: Map<string, Record<string, string>>;
}

const HASHES: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
};

function filesUnder(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...filesUnder(root, path));
    } else {
      out.push(relative(root, path).split(sep).join('/'));
    }
  }
  return out;
}

/** §2.1.3: a manifest line is `checksum <whitespace> filepath`; CR, LF and % in paths are percent-encoded. */
function parseManifest(text: string, file: string, errors: string[]): Map<string, string> {
  const entries = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  for (const [i, line] of lines.entries()) {
    const match = /^([0-9a-fA-F]+)[ \t]+(.+)$/.exec(line);
    if (!match) {
      errors.push(`${file}:${i + 1}: not "checksum filepath"`);
      continue;
    }
    const path = match[2].replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
    if (path.startsWith('/') || path.split('/').some((s) => s === '..' || s === '.' || s === '')) {
      errors.push(
        `${file}:${i + 1}: path ${JSON.stringify(path)} is not a relative path inside the bag`,
      );
      continue;
    }
    if (entries.has(path)) {
      errors.push(`${file}:${i + 1}: ${path} listed twice`);
    }
    entries.set(path, match[1].toLowerCase());
  }
  return entries;
}

function digest(path: string, algorithm: string): string {
  return createHash(HASHES[algorithm]).update(readFileSync(path)).digest('hex');
}

/** §2.2.2: `label: value` lines; a line starting with whitespace continues the value before it. */
function parseBagInfo(text: string, errors: string[]): Map<string, string[]> {
  const info = new Map<string, string[]>();
  let last: { label: string; index: number } | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  for (const [i, line] of lines.entries()) {
    if (/^[ \t]/.test(line)) {
      if (!last) {
        errors.push(`bag-info.txt:${i + 1}: continuation line without an element`);
        continue;
      }
      const values = info.get(last.label)!;
      values[last.index] += ` ${line.trim()}`;
      continue;
    }
    const match = /^([^:\r\n]+):[ \t](.*)$/.exec(line);
    if (!match || /[ \t]$/.test(match[1])) {
      errors.push(`bag-info.txt:${i + 1}: not "label: value": ${JSON.stringify(line)}`);
      continue;
    }
    const values = info.get(match[1]) ?? [];
    values.push(match[2]);
    info.set(match[1], values);
    last = { label: match[1], index: values.length - 1 };
  }
  return info;
}

/** Validates an unpacked bag whose base directory is `bagDir` (§3: complete and valid). */
export function validateBagDirectory(bagDir: string): BagReport {
  const errors: string[] = [];
  const info = new Map<string, string[]>();
  const payload = new Map<string, Record<string, string>>();
  const report = () => ({ isValid: errors.length === 0, errors, info, payload });

  // §2.1.1 bag declaration: exactly these two lines, in this order
  const declarationPath = join(bagDir, 'bagit.txt');
  if (!existsSync(declarationPath)) {
    errors.push('bagit.txt is missing');
    return report();
  }
  const declaration = readFileSync(declarationPath, 'utf8');
  if (
    !/^BagIt-Version: \d+\.\d+\r?\nTag-File-Character-Encoding: [^\r\n]+\r?\n?$/.test(declaration)
  ) {
    errors.push(`bagit.txt is not a BagIt declaration: ${JSON.stringify(declaration)}`);
  } else if (!/^BagIt-Version: 1\.0\b/.test(declaration)) {
    errors.push('bagit.txt: BagIt-Version is not 1.0');
  }
  if (!/Tag-File-Character-Encoding: UTF-8/i.test(declaration)) {
    errors.push('bagit.txt: tag files are not declared UTF-8 (this validator reads UTF-8 only)');
  }
  // §2.1.2 payload directory
  const dataDir = join(bagDir, 'data');
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    errors.push('data/ is missing');
    return report();
  }
  const all = filesUnder(bagDir);
  const payloadFiles = all.filter((f) => f.startsWith('data/'));

  // §2.1.3 payload manifests: at least one; each lists every payload file, and only payload files
  const manifests = all.filter((f) => /^manifest-[a-z0-9]+\.txt$/.test(f));
  if (manifests.length === 0) {
    errors.push('no payload manifest (manifest-<algorithm>.txt)');
  }
  for (const manifest of manifests) {
    const algorithm = /^manifest-([a-z0-9]+)\.txt$/.exec(manifest)![1];
    if (!HASHES[algorithm]) {
      errors.push(`${manifest}: unknown algorithm ${algorithm}`);
      continue;
    }
    const entries = parseManifest(readFileSync(join(bagDir, manifest), 'utf8'), manifest, errors);
    for (const [path, expected] of entries) {
      if (!path.startsWith('data/')) {
        errors.push(`${manifest}: ${path} is not in the payload directory`);
        continue;
      }
      const full = join(bagDir, ...path.split('/'));
      if (!existsSync(full)) {
        errors.push(`${manifest}: ${path} is listed but missing`);
        continue;
      }
      const actual = digest(full, algorithm);
      if (actual !== expected) {
        errors.push(
          `${manifest}: ${path} has ${algorithm} ${actual}, the manifest says ${expected}`,
        );
      }
      payload.set(path, { ...payload.get(path), [algorithm]: actual });
    }
    for (const file of payloadFiles) {
      if (!entries.has(file)) {
        errors.push(`${manifest}: payload file ${file} is not listed`);
      }
    }
  }

  // §2.2.2 bag-info.txt (optional) and the Payload-Oxum check
  const bagInfoPath = join(bagDir, 'bag-info.txt');
  if (existsSync(bagInfoPath)) {
    for (const [label, values] of parseBagInfo(readFileSync(bagInfoPath, 'utf8'), errors)) {
      info.set(label, values);
    }
    const oxum = info.get('Payload-Oxum');
    if (oxum) {
      if (oxum.length > 1) {
        errors.push('bag-info.txt: Payload-Oxum appears more than once');
      }
      const match = /^(\d+)\.(\d+)$/.exec(oxum[0]);
      const bytes = payloadFiles.reduce(
        (n, f) => n + statSync(join(bagDir, ...f.split('/'))).size,
        0,
      );
      if (!match) {
        errors.push(`bag-info.txt: Payload-Oxum ${oxum[0]} is not octets.streams`);
      } else if (Number(match[1]) !== bytes || Number(match[2]) !== payloadFiles.length) {
        errors.push(
          `bag-info.txt: Payload-Oxum ${oxum[0]}, the payload is ${bytes}.${payloadFiles.length}`,
        );
      }
    }
    const date = info.get('Bagging-Date');
    if (date && !date.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))) {
      errors.push(`bag-info.txt: Bagging-Date ${date.join(', ')} is not YYYY-MM-DD`);
    }
  }

  // §2.2.1 tag manifests: every listed tag file exists with that checksum; none lists a payload file
  for (const tagManifest of all.filter((f) => /^tagmanifest-[a-z0-9]+\.txt$/.test(f))) {
    const algorithm = /^tagmanifest-([a-z0-9]+)\.txt$/.exec(tagManifest)![1];
    if (!HASHES[algorithm]) {
      errors.push(`${tagManifest}: unknown algorithm ${algorithm}`);
      continue;
    }
    const entries = parseManifest(
      readFileSync(join(bagDir, tagManifest), 'utf8'),
      tagManifest,
      errors,
    );
    for (const [path, expected] of entries) {
      if (path.startsWith('data/')) {
        errors.push(`${tagManifest}: lists payload file ${path}`);
        continue;
      }
      const full = join(bagDir, ...path.split('/'));
      if (!existsSync(full)) {
        errors.push(`${tagManifest}: ${path} is listed but missing`);
      } else if (digest(full, algorithm) !== expected) {
        errors.push(`${tagManifest}: ${path} does not match its checksum`);
      }
    }
  }
  return report();
}

/**
 * Unpacks a serialized bag (zip or tar) with the system tools and validates it. A serialized bag holds one
 * top-level directory, the bag's base directory; its name is returned.
 */
export function validateSerializedBag(file: string): BagReport & { baseName: string | null } {
  const dir = mkdtempSync(join(tmpdir(), 'bag-unpack-'));
  if (file.endsWith('.zip')) {
    execFileSync('unzip', ['-q', file, '-d', dir]);
  } else {
    execFileSync('tar', ['-xf', file, '-C', dir]);
  }
  const top = readdirSync(dir);
  if (top.length !== 1 || !statSync(join(dir, top[0])).isDirectory()) {
    return {
      isValid: false,
      errors: [`a serialized bag holds one top-level directory; this one holds ${top.join(', ')}`],
      info: new Map(),
      payload: new Map(),
      baseName: null,
    };
  }
  return { ...validateBagDirectory(join(dir, top[0])), baseName: top[0] };
}
