import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { ArchiveError, ArchiveErrorCode } from '../archive.error';
import type { Bag } from '../bagit/bag';
import { checkDeliveredBag } from '../bagit/bag-check';
import { serializedBagStream, serializedName, type PackageFormat } from '../bagit/bag-writers';
import {
  TEMPORARY_NAME,
  type ArchiveTarget,
  type DeliveryContext,
  type DeliveryResult,
  type FixityResult,
} from './archive-target';
import { httpFailure, networkFailure } from './http-failure';

const WHAT = 'WebDAVサーバー';
const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A path inside the collection, each segment percent-encoded (Japanese file names, spaces, '%'). */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/**
 * A WebDAV collection (RFC 4918): the package is uploaded under a temporary name (MKCOL, PUT), every file read back
 * and compared with its SHA-256, then MOVEd to its final name with `Overwrite: F`, so it appears whole or not at
 * all and never replaces what is there.
 */
export class WebdavTarget implements ArchiveTarget {
  private readonly base: string;

  constructor(
    url: string,
    private readonly username: string,
    private readonly password: string,
    private readonly timeoutMs = 120_000,
  ) {
    this.base = url.endsWith('/') ? url : `${url}/`;
  }

  async test(): Promise<string> {
    const response = await this.send(
      'PROPFIND',
      this.base,
      { headers: { depth: '0' } },
      [207, 404],
    );
    await response.arrayBuffer().catch(() => undefined); // release the connection
    if (response.status === 404) {
      throw new ArchiveError(
        ArchiveErrorCode.BadSettings,
        `${WHAT}: コレクション ${this.base} がありません。URLを確かめてください。`,
      );
    }
    const probe = `${this.base}.madoguchi-probe-${randomBytes(6).toString('hex')}/`;
    await this.send('MKCOL', probe, {}, [201]);
    await this.send('DELETE', probe, {}, [200, 204]);
    return `${WHAT} ${this.base} に接続し、書き込めることを確かめました。`;
  }

  async deliver(bag: Bag, context: DeliveryContext): Promise<DeliveryResult> {
    const finalName =
      context.format === 'directory' ? bag.name : serializedName(bag, context.format);
    const temp = `.${finalName}.partial-${randomBytes(6).toString('hex')}`;
    try {
      if (context.format === 'directory') {
        await this.uploadDirectory(bag, temp);
        return await this.moveIntoPlace(`${temp}/`, `${finalName}/`, bag.tagManifestSha256, true);
      }
      const packageSha256 = await this.uploadFile(bag, context.format, temp);
      return await this.moveIntoPlace(temp, finalName, packageSha256, false);
    } finally {
      await this.send(
        'DELETE',
        this.url(context.format === 'directory' ? `${temp}/` : temp),
        {},
        [200, 204, 404],
      ).catch(() => undefined);
    }
  }

  async fixity(
    location: string,
    format: PackageFormat,
    packageSha256: string,
  ): Promise<FixityResult> {
    if (format !== 'directory') {
      const bytes = await this.read(location);
      if (!bytes) {
        return { isIntact: false, differences: [`${location} is missing`] };
      }
      const actual = sha256Of(bytes);
      return actual === packageSha256
        ? { isIntact: true, differences: [] }
        : { isIntact: false, differences: [`${location} has changed (SHA-256 ${actual})`] };
    }
    const root = location.endsWith('/') ? location : `${location}/`;
    const differences = await checkDeliveredBag(
      (p) => this.read(`${root}${encodePath(p)}`),
      packageSha256,
    );
    return { isIntact: differences.length === 0, differences };
  }

  async sweepTemporaries(olderThan: Date): Promise<string[]> {
    const removed: string[] = [];
    for (const member of await this.members(this.base)) {
      if (!TEMPORARY_NAME.test(member.name)) {
        continue;
      }
      const lastChanged = member.isCollection
        ? await this.lastChanged(member.url, member.lastModified)
        : member.lastModified;
      if (lastChanged < olderThan.getTime()) {
        await this.send('DELETE', member.url, {}, [200, 204, 404]);
        removed.push(member.name);
      }
    }
    return removed.sort();
  }

  /** The latest getlastmodified in a collection's tree (a writer may be busy deep inside it). */
  private async lastChanged(url: string, own: number): Promise<number> {
    let latest = own;
    for (const member of await this.members(url)) {
      latest = Math.max(
        latest,
        member.isCollection
          ? await this.lastChanged(member.url, member.lastModified)
          : member.lastModified,
      );
    }
    return latest;
  }

  /** The members of a collection (PROPFIND, Depth: 1, RFC 4918 §9.1): name, URL, collection or not, last change. */
  private async members(
    url: string,
  ): Promise<Array<{ name: string; url: string; isCollection: boolean; lastModified: number }>> {
    const response = await this.send(
      'PROPFIND',
      url,
      {
        headers: { depth: '1', 'content-type': 'application/xml; charset=utf-8' },
        body: '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><resourcetype/><getlastmodified/></prop></propfind>',
      },
      [207],
    );
    const xml = await response.text();
    const own = new URL(url).pathname.replace(/\/?$/, '/');
    const members = [];
    for (const [part] of xml.matchAll(
      /<(?:[\w-]+:)?response[\s>][\s\S]*?<\/(?:[\w-]+:)?response>/g,
    )) {
      const href = /<(?:[\w-]+:)?href>([^<]*)</.exec(part)?.[1]?.trim();
      const modified = /<(?:[\w-]+:)?getlastmodified[^>]*>([^<]*)</.exec(part)?.[1];
      if (!href) {
        continue;
      }
      const member = new URL(href.replace(/&amp;/g, '&'), url);
      const path = member.pathname;
      if (!path.startsWith(own) || path === own) {
        continue;
      }
      const name = decodeURIComponent(path.slice(own.length).replace(/\/$/, ''));
      const lastModified = modified ? Date.parse(modified) : Number.NaN;
      if (name.includes('/') || Number.isNaN(lastModified)) {
        continue; // not a direct member, or no date to judge by: left alone
      }
      members.push({
        name,
        url: new URL(path, url).href,
        isCollection: /<(?:[\w-]+:)?collection\s*\/>/.test(part),
        lastModified,
      });
    }
    return members;
  }

  private async uploadDirectory(bag: Bag, temp: string): Promise<void> {
    await this.send('MKCOL', this.url(`${temp}/`), {}, [201]);
    const collections = new Set<string>();
    for (const entry of bag.entries) {
      const segments = entry.path.split('/');
      for (let i = 1; i < segments.length; i += 1) {
        const collection = segments.slice(0, i).join('/');
        if (!collections.has(collection)) {
          await this.send('MKCOL', this.url(`${temp}/${collection}/`), {}, [201, 405]);
          collections.add(collection);
        }
      }
      await this.put(this.url(`${temp}/${entry.path}`), entry.open(), entry.size);
    }
    // read back: what the server stores must be what was sent
    for (const entry of bag.entries) {
      const bytes = await this.read(this.url(`${temp}/${entry.path}`));
      if (!bytes || sha256Of(bytes) !== entry.sha256) {
        throw this.readBackMismatch(entry.path);
      }
    }
  }

  private async uploadFile(bag: Bag, format: 'zip' | 'tar', temp: string): Promise<string> {
    const hash = createHash('sha256');
    const tee = new Transform({
      transform(chunk: Buffer, _e, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    const source = serializedBagStream(bag, format);
    source.on('error', (e) => tee.destroy(e));
    await this.put(this.url(temp), source.pipe(tee));
    const packageSha256 = hash.digest('hex');
    const bytes = await this.read(this.url(temp));
    if (!bytes || sha256Of(bytes) !== packageSha256) {
      throw this.readBackMismatch(temp);
    }
    return packageSha256;
  }

  private async moveIntoPlace(
    from: string,
    to: string,
    packageSha256: string,
    isDirectory: boolean,
  ): Promise<DeliveryResult> {
    const destination = this.url(to);
    const response = await this.send(
      'MOVE',
      this.url(from),
      { headers: { destination, overwrite: 'F' } },
      [201, 204, 412],
    );
    if (response.status !== 412) {
      return { location: destination, packageSha256, wasAlreadyThere: false };
    }
    // RFC 4918 §9.9.4: 412 with Overwrite: F, the destination exists. The same package (a retry) or another one?
    const existing = await this.read(
      isDirectory ? `${destination}tagmanifest-sha256.txt` : destination,
    );
    if (existing && sha256Of(existing) === packageSha256) {
      return { location: destination, packageSha256, wasAlreadyThere: true };
    }
    throw new ArchiveError(
      ArchiveErrorCode.TargetExists,
      `${WHAT}: ${destination} には別の内容のパッケージがすでにあります。上書きはしません。`,
    );
  }

  private readBackMismatch(path: string): ArchiveError {
    return new ArchiveError(
      ArchiveErrorCode.ReadBackMismatch,
      `${WHAT}: 送った ${path} と、読み戻した内容が一致しません。サーバーが正しく保存していない可能性があります。`,
    );
  }

  private url(path: string): string {
    return `${this.base}${encodePath(path)}`;
  }

  private async read(url: string): Promise<Buffer | null> {
    const response = await this.send('GET', url, {}, [200, 404]);
    return response.status === 404 ? null : Buffer.from(await response.arrayBuffer());
  }

  private async put(url: string, body: Readable, size?: number): Promise<void> {
    await this.send(
      'PUT',
      url,
      {
        body: Readable.toWeb(body) as ReadableStream,
        duplex: 'half',
        headers: size === undefined ? {} : { 'content-length': String(size) },
      },
      [200, 201, 204],
    );
  }

  private async send(
    method: string,
    url: string,
    init: RequestInit & { duplex?: 'half' },
    expected: number[],
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set(
      'authorization',
      `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`,
    );
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      if (e instanceof ArchiveError) {
        throw e;
      }
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof ArchiveError) {
        throw cause; // a payload file that failed its own check while it was being sent
      }
      throw networkFailure(e, WHAT, url);
    }
    if (!expected.includes(response.status)) {
      throw await httpFailure(response, `${WHAT}（${method}）`);
    }
    const isBodyWanted =
      (method === 'GET' && response.status === 200) ||
      (method === 'PROPFIND' && response.status === 207);
    if (!isBodyWanted) {
      await response.arrayBuffer().catch(() => undefined); // release the connection
    }
    return response;
  }
}
