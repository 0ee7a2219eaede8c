/**
 * Ceph's S3 gateway (Debian's radosgw, Ceph 16) on loopback for the tests that need what s3rver lacks: object lock
 * (retention per object version, refused deletes) and a store that verifies Content-MD5. scripts/ci/ceph-rgw.sh
 * starts one monitor, one OSD on memstore and radosgw in a temporary folder, and stops them.
 */
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './apache-webdav';

const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'ci', 'ceph-rgw.sh');
const run = promisify(execFile);

export interface CephRgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  client: S3Client;
  /** every version and delete marker under a prefix (what a bucket with versioning really holds) */
  versions(
    bucket: string,
    prefix: string,
  ): Promise<Array<{ key: string; versionId: string; isDeleteMarker: boolean }>>;
  stop(): Promise<void>;
}

/** Two distinct free loopback ports (for the monitor and the gateway). */
async function twoPorts(): Promise<[number, number]> {
  for (;;) {
    const [a, b] = [await freePort(), await freePort()];
    if (a !== b) {
      return [a, b];
    }
  }
}

export async function startCephRgw(): Promise<CephRgw> {
  const accessKeyId = `MADOGUCHI${randomBytes(4).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  // a port taken by another process between freePort() and the daemon's bind fails the start: try again with
  // other ports (the script returns once the gateway answers, or fails with the daemons' logs on stderr)
  const startOnce = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ceph-rgw-'));
    const [monPort, rgwPort] = await twoPorts();
    await run(
      'bash',
      [SCRIPT, 'start', dir, String(monPort), String(rgwPort), accessKeyId, secretAccessKey],
      { timeout: 300_000 },
    );
    return { dir, rgwPort };
  };
  const again = (e: Error) => {
    console.warn(`ceph-rgw: start failed, trying again with other ports: ${e.message}`);
    return startOnce();
  };
  const { dir, rgwPort } = await startOnce().catch(again).catch(again);
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    client,
    versions: async (bucket, prefix) => {
      const answer = await client.send(
        new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }),
      );
      return [
        ...(answer.Versions ?? []).map((v) => ({
          key: v.Key!,
          versionId: v.VersionId!,
          isDeleteMarker: false,
        })),
        ...(answer.DeleteMarkers ?? []).map((m) => ({
          key: m.Key!,
          versionId: m.VersionId!,
          isDeleteMarker: true,
        })),
      ].sort((a, b) => a.key.localeCompare(b.key));
    },
    stop: async () => {
      client.destroy();
      await run('bash', [SCRIPT, 'stop', dir], { timeout: 60_000 });
    },
  };
}
