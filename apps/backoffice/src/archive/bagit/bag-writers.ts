import { createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { ZipFile } from 'yazl';
import type { Bag } from './bag';

/** How a connector delivers a bag: the bag's directory as it is, or serialized as one file. */
export type PackageFormat = 'directory' | 'zip' | 'tar';

export const PACKAGE_FORMATS: readonly PackageFormat[] = ['directory', 'zip', 'tar'];

export function isPackageFormat(value: unknown): value is PackageFormat {
  return typeof value === 'string' && (PACKAGE_FORMATS as readonly string[]).includes(value);
}

/** The file name of a serialized bag (`<receipt>.zip`, `<receipt>.tar`). */
export function serializedName(bag: Bag, format: 'zip' | 'tar'): string {
  return `${bag.name}.${format}`;
}

/**
 * Writes the bag's files under `dir` (which becomes the bag's base directory), each file fsynced. The caller
 * makes the directory appear atomically (it writes to a temporary name and renames it).
 */
export async function writeBagDirectory(bag: Bag, dir: string): Promise<void> {
  for (const entry of bag.entries) {
    const path = join(dir, ...entry.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    const out = createWriteStream(path, { flags: 'wx' });
    try {
      await pipeline(entry.open(), out);
    } catch (e) {
      // a refused file: let its stream finish closing, so the caller can remove the half-written bag at once
      if (!out.closed) {
        await new Promise<void>((resolve) => out.once('close', () => resolve()));
      }
      throw e;
    }
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/**
 * The bag as one zip file, streamed. One top-level directory named after the bag, as a serialized bag should
 * unpack (RFC 8493 §4 leaves serialization to the parties; this is the common practice). Names are UTF-8
 * (yazl sets the language-encoding flag). A fixed modification time keeps the bytes the same for a retry.
 */
export function bagZipStream(bag: Bag): Readable {
  const zip = new ZipFile();
  const out = new PassThrough();
  zip.outputStream.on('error', (e: Error) => out.destroy(e));
  zip.outputStream.pipe(out);
  const mtime = new Date('2000-01-01T00:00:00Z');
  for (const entry of bag.entries) {
    const source = entry.open();
    source.on('error', (e) => out.destroy(e));
    zip.addReadStream(source, `${bag.name}/${entry.path}`, {
      mtime,
      mode: 0o100644,
      compress: false,
      size: entry.size,
    });
  }
  zip.end();
  return out;
}

/** The bag as one POSIX tar file (pax headers for UTF-8 names), streamed, entries in bag order. */
export function bagTarStream(bag: Bag): Readable {
  const pack = tar.pack();
  // tar-stream is a streamx stream: handed on as a Node stream
  const out = new PassThrough();
  pack.on('error', (e: Error) => out.destroy(e));
  pack.pipe(out);
  const mtime = new Date('2000-01-01T00:00:00Z');
  void (async () => {
    try {
      for (const entry of bag.entries) {
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry(
            { name: `${bag.name}/${entry.path}`, size: entry.size, mtime, mode: 0o644 },
            (e) => (e ? reject(e) : resolve()),
          );
          sink.on('error', reject);
          const source = entry.open();
          source.on('error', (e) => {
            reject(e);
            sink.destroy(e);
          });
          source.pipe(sink);
        });
      }
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return out;
}

/** The bag serialized, streamed. */
export function serializedBagStream(bag: Bag, format: 'zip' | 'tar'): Readable {
  return format === 'zip' ? bagZipStream(bag) : bagTarStream(bag);
}
