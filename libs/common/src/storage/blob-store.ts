import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Where attachment and record bytes live (a folder here; S3-compatible storage in production later). */
export interface BlobStore {
  put(bytes: Uint8Array): Promise<{ key: string; sha256: string }>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

/** Content stored under a random key, written atomically (temporary name, fsync, rename). */
export class FileBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async put(bytes: Uint8Array): Promise<{ key: string; sha256: string }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = `${sha256.slice(0, 2)}/${randomBytes(16).toString('hex')}`;
    const path = this.path(key);
    await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
    const tmp = `${path}.tmp`;
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    return { key, sha256 };
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    if (!/^[0-9a-f]{2}\/[0-9a-f]{32}$/.test(key)) {
      throw new Error(`invalid blob key: ${key}`);
    }
    return join(this.root, key);
  }
}
