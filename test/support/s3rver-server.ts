/**
 * s3rver (an S3-protocol server in Node, files in a temporary folder) on loopback for the S3 connector's tests.
 * It checks request signatures (key pair S3RVER / S3RVER), stores objects and their metadata, and answers
 * NotImplemented to object lock; it ignores x-amz-checksum-* headers and If-None-Match on PUT.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS package without types
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

export interface S3Server {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** every key in the bucket */
  keys(): Promise<string[]>;
  /** the file on s3rver's disk that holds an object's bytes (to change it behind the server's back) */
  objectFile(key: string): string;
  client: S3Client;
  stop(): Promise<void>;
}

export async function startS3rver(bucket = 'archive'): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'ap-northeast-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    client,
    keys: async () => {
      const answer = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (answer.Contents ?? []).map((c) => c.Key!).sort();
    },
    // s3rver's filesystem store: <directory>/<bucket>/<key, its last segment suffixed with ._S3rver_object>
    objectFile: (key) => join(directory, bucket, `${key}._S3rver_object`),
    stop: async () => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
