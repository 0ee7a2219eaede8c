import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
} from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArchiveError, ArchiveErrorCode } from '../archive.error';
import type { Bag } from '../bagit/bag';
import { checkDeliveredBag } from '../bagit/bag-check';
import {
  serializedBagStream,
  serializedName,
  writeBagDirectory,
  type PackageFormat,
} from '../bagit/bag-writers';
import {
  TEMPORARY_NAME,
  type ArchiveTarget,
  type DeliveryContext,
  type DeliveryResult,
  type FixityResult,
} from './archive-target';

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as { code?: string }).code ?? '');
}

/**
 * A folder on the back office's machine (a mounted share of the archive system): each package appears at its
 * final name atomically (temporary name, fsync, rename) and is never overwritten.
 */
export class FolderTarget implements ArchiveTarget {
  private readonly root: string;

  constructor(path: string) {
    this.root = resolve(path);
  }

  async test(): Promise<string> {
    await this.checkRoot();
    const probe = join(this.root, `.madoguchi-probe-${randomBytes(6).toString('hex')}`);
    try {
      const handle = await open(probe, 'wx');
      await handle.close();
      await unlink(probe);
    } catch (e) {
      throw new ArchiveError(
        ArchiveErrorCode.Rejected,
        `フォルダー ${this.root} に書き込めません（${(e as Error).message}）。`,
      );
    }
    return `フォルダー ${this.root} に書き込めます。`;
  }

  async deliver(bag: Bag, context: DeliveryContext): Promise<DeliveryResult> {
    await this.checkRoot();
    const finalName =
      context.format === 'directory' ? bag.name : serializedName(bag, context.format);
    const finalPath = this.inside(finalName);
    const temp = this.inside(`.${finalName}.partial-${randomBytes(6).toString('hex')}`);
    try {
      return context.format === 'directory'
        ? await this.deliverDirectory(bag, temp, finalPath)
        : await this.deliverFile(bag, context.format, temp, finalPath);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  async fixity(
    location: string,
    format: PackageFormat,
    packageSha256: string,
  ): Promise<FixityResult> {
    const path = this.inside(location.slice(this.root.length + 1));
    try {
      await stat(path);
    } catch {
      return { isIntact: false, differences: [`${location} is missing`] };
    }
    if (format !== 'directory') {
      const actual = await fileSha256(path);
      return actual === packageSha256
        ? { isIntact: true, differences: [] }
        : { isIntact: false, differences: [`${location} has changed (SHA-256 ${actual})`] };
    }
    const differences = await checkDeliveredBag(async (p) => {
      try {
        return await readFile(join(path, ...p.split('/')));
      } catch {
        return null;
      }
    }, packageSha256);
    // files added under data/ that no manifest lists
    const manifest = await readFile(join(path, 'manifest-sha256.txt'), 'utf8').catch(() => '');
    const listed = new Set(
      manifest.split('\n').map((l) => l.split('  ').slice(1).join('  ').replace(/%25/g, '%')),
    );
    for (const file of await this.filesUnder(join(path, 'data'), 'data')) {
      if (!listed.has(file)) {
        differences.push(`${file} is not in the manifest`);
      }
    }
    return { isIntact: differences.length === 0, differences };
  }

  async sweepTemporaries(olderThan: Date): Promise<string[]> {
    const removed: string[] = [];
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      // only our own names, only files and folders (never through a symbolic link)
      if (!TEMPORARY_NAME.test(entry.name) || !(entry.isDirectory() || entry.isFile())) {
        continue;
      }
      const path = this.inside(entry.name);
      const lastChanged = await this.lastChanged(path).catch(() => null);
      if (lastChanged !== null && lastChanged < olderThan.getTime()) {
        await rm(path, { recursive: true, force: true });
        removed.push(entry.name);
      }
    }
    return removed.sort();
  }

  /** The latest modification time in a tree (a writer may be busy deep inside a temporary folder). */
  private async lastChanged(path: string): Promise<number> {
    const info = await lstat(path);
    let latest = info.mtimeMs;
    if (info.isDirectory()) {
      for (const entry of await readdir(path)) {
        latest = Math.max(latest, await this.lastChanged(join(path, entry)));
      }
    }
    return latest;
  }

  private async deliverDirectory(
    bag: Bag,
    temp: string,
    finalPath: string,
  ): Promise<DeliveryResult> {
    await mkdir(temp);
    await writeBagDirectory(bag, temp);
    await this.fsyncTree(temp);
    try {
      // rename(2) onto a non-empty directory fails: an existing package is never replaced
      await rename(temp, finalPath);
    } catch (e) {
      if (!isCode(e, 'ENOTEMPTY', 'EEXIST', 'ENOTDIR')) {
        throw e;
      }
      const existing = await readFile(join(finalPath, 'tagmanifest-sha256.txt')).catch(() => null);
      if (existing && sha256Of(existing) === bag.tagManifestSha256) {
        return { location: finalPath, packageSha256: bag.tagManifestSha256, wasAlreadyThere: true };
      }
      throw this.exists(finalPath);
    }
    await fsyncPath(this.root);
    return { location: finalPath, packageSha256: bag.tagManifestSha256, wasAlreadyThere: false };
  }

  private async deliverFile(
    bag: Bag,
    format: 'zip' | 'tar',
    temp: string,
    finalPath: string,
  ): Promise<DeliveryResult> {
    const hash = createHash('sha256');
    const tee = new Transform({
      transform(chunk: Buffer, _e, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(serializedBagStream(bag, format), tee, createWriteStream(temp, { flags: 'wx' }));
    await fsyncPath(temp);
    const packageSha256 = hash.digest('hex');
    try {
      // link(2) fails if the name exists, where rename(2) would replace it
      await link(temp, finalPath);
    } catch (e) {
      if (!isCode(e, 'EEXIST')) {
        throw e;
      }
      if ((await fileSha256(finalPath)) === packageSha256) {
        return { location: finalPath, packageSha256, wasAlreadyThere: true };
      }
      throw this.exists(finalPath);
    }
    await fsyncPath(this.root);
    return { location: finalPath, packageSha256, wasAlreadyThere: false };
  }

  private exists(path: string): ArchiveError {
    return new ArchiveError(
      ArchiveErrorCode.TargetExists,
      `${path} には別の内容のパッケージがすでにあります。上書きはしません。文書管理システム側の内容を確認してください。`,
    );
  }

  /** A path inside the root, never outside it (the bag name is checked already; this is the second lock). */
  private inside(name: string): string {
    const path = resolve(this.root, name);
    if (!path.startsWith(this.root + sep) || name.includes('/') || name.includes('\\')) {
      throw new ArchiveError(
        ArchiveErrorCode.UnsafeName,
        `${name} would leave the folder ${this.root}`,
      );
    }
    return path;
  }

  private async checkRoot(): Promise<void> {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(this.root)).isDirectory();
    } catch (e) {
      // an unmounted share looks like a missing folder: retried, it may come back
      throw new ArchiveError(
        ArchiveErrorCode.Unavailable,
        isCode(e, 'ENOENT')
          ? `フォルダー ${this.root} がありません。パスを確かめるか、共有フォルダーがマウントされているか確かめてください。`
          : `フォルダー ${this.root} を読めません（${(e as Error).message}）。`,
      );
    }
    if (!isDirectory) {
      throw new ArchiveError(
        ArchiveErrorCode.BadSettings,
        `${this.root} はフォルダーではありません。`,
      );
    }
  }

  private async fsyncTree(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        await this.fsyncTree(join(dir, entry.name));
      }
    }
    await fsyncPath(dir);
  }

  private async filesUnder(dir: string, prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const rel = `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        out.push(...(await this.filesUnder(join(dir, entry.name), rel)));
      } else {
        out.push(rel);
      }
    }
    return out;
  }
}
