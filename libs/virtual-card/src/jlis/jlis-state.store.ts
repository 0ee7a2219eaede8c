import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JlisError, JlisErrorCode } from './jlis.error';
import type { RevocationReason } from './revocation-reason';

export type AuthorityName = 'root' | 'signCa' | 'authCa' | 'signOcsp' | 'authOcsp';

export interface AuthorityRecord {
  /** PKCS#8 PEM. This is a test CA: the keys live in its state directory (mode 0600). */
  key: string;
  /** Certificate DER, base64. */
  cert: string;
}

export interface CaStateFile {
  version: 1;
  createdAt: string;
  baseUrl: string;
  authorities: Record<AuthorityName, AuthorityRecord>;
}

export type CertificateKind = 'sign' | 'auth';

/** What the CA remembers about an issued certificate: no personal details (they are in the certificate only). */
export interface IssuedCertificateRecord {
  serial: string;
  kind: CertificateKind;
  /** Opaque subject CN. */
  subjectCn: string;
  /** Shared by the signing and authentication certificates of one issuance. */
  cardId: string;
  issuedAt: string;
  notBefore: string;
  notAfter: string;
  revocation?: { at: string; reason: RevocationReason };
}

export interface IndexFile {
  version: 1;
  certificates: IssuedCertificateRecord[];
}

const CA_FILE = 'ca.json';
const INDEX_FILE = 'index.json';
const LOCK_FILE = '.lock';
const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;

/**
 * The state directory. The server process and the `jlis revoke` command share it, so the index is re-read for
 * every answer and written atomically (temp file + rename) under a lock file.
 */
export class JlisStateStore {
  constructor(readonly dir: string) {}

  async withLock<T>(work: () => Promise<T>): Promise<T> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const lockPath = join(this.dir, LOCK_FILE);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await fs.open(lockPath, 'wx');
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw error;
        }
        const stat = await fs.stat(lockPath).catch(() => undefined);
        if (stat && Date.now() - stat.mtimeMs > LOCK_STALE_MS) {
          await fs.rm(lockPath, { force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new JlisError(JlisErrorCode.StateLocked, `state directory ${this.dir} is locked`);
        }
        await sleep(15);
      }
    }
    try {
      return await work();
    } finally {
      await fs.rm(lockPath, { force: true });
    }
  }

  async readCa(): Promise<CaStateFile | undefined> {
    const text = await this.readOptional(CA_FILE);
    if (text === undefined) {
      return undefined;
    }
    const parsed = this.parseJson<CaStateFile>(CA_FILE, text);
    if (parsed.version !== 1 || !parsed.authorities?.root?.key) {
      throw new JlisError(JlisErrorCode.BadState, `${CA_FILE} is not a J-LIS state file`);
    }
    return parsed;
  }

  async writeCa(state: CaStateFile): Promise<void> {
    await this.writeAtomic(CA_FILE, JSON.stringify(state, null, 2), 0o600);
  }

  async writeFile(name: string, data: Buffer | string): Promise<void> {
    await this.writeAtomic(name, data, 0o644);
  }

  async readIndex(): Promise<IndexFile> {
    const text = await this.readOptional(INDEX_FILE);
    if (text === undefined) {
      return { version: 1, certificates: [] };
    }
    const parsed = this.parseJson<IndexFile>(INDEX_FILE, text);
    if (parsed.version !== 1 || !Array.isArray(parsed.certificates)) {
      throw new JlisError(JlisErrorCode.BadState, `${INDEX_FILE} is not a J-LIS index`);
    }
    return parsed;
  }

  /** Read-modify-write of the index under the lock. */
  async updateIndex<T>(change: (index: IndexFile) => T): Promise<T> {
    return this.withLock(async () => {
      const index = await this.readIndex();
      const result = change(index);
      await this.writeAtomic(INDEX_FILE, JSON.stringify(index, null, 2), 0o644);
      return result;
    });
  }

  private async readOptional(name: string): Promise<string | undefined> {
    try {
      return await fs.readFile(join(this.dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
  }

  private parseJson<T>(name: string, text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new JlisError(JlisErrorCode.BadState, `${name} in ${this.dir} is not valid JSON`);
    }
  }

  private async writeAtomic(name: string, data: Buffer | string, mode: number): Promise<void> {
    const target = join(this.dir, name);
    const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await fs.mkdir(join(target, '..'), { recursive: true });
    await fs.writeFile(temp, data, { mode });
    await fs.rename(temp, target);
  }
}
