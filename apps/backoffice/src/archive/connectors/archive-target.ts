import type { Bag } from '../bagit/bag';
import type { PackageFormat } from '../bagit/bag-writers';

export interface DeliveryContext {
  format: PackageFormat;
  /** `<record id>:<connector id>`, sent where the protocol has a place for it */
  idempotencyKey: string;
  /** the record's retention end (object lock where the target supports it) */
  retainUntil: Date | null;
}

export interface DeliveryResult {
  /** where the package is: a path, a URL, s3://bucket/key */
  location: string;
  /** SHA-256 of the delivered file (zip/tar) or of tagmanifest-sha256.txt (directory) */
  packageSha256: string;
  /** the target already held this very package (a retry after a crash): nothing was written */
  wasAlreadyThere: boolean;
  /** a note for the delivery view (e.g. "object lock not supported by the bucket") */
  note?: string;
}

export interface FixityResult {
  isIntact: boolean;
  /** what differs, one line each (missing files, changed checksums) */
  differences: string[];
}

/** One archive target (folder, S3-compatible, WebDAV, webhook), built from a connector's settings. */
export interface ArchiveTarget {
  /** 接続テスト: reaches the target and checks it can write there; throws an ArchiveError that says what is wrong */
  test(): Promise<string>;
  deliver(bag: Bag, context: DeliveryContext): Promise<DeliveryResult>;
  /** re-reads a delivered package and recomputes its checksums; undefined where nothing can be read back */
  fixity?(location: string, format: PackageFormat, packageSha256: string): Promise<FixityResult>;
  /**
   * Removes the temporaries of our own naming (TEMPORARY_NAME) that nothing has changed since `olderThan`: what a
   * delivery interrupted by a crash left behind. Returns the names removed.
   */
  sweepTemporaries?(olderThan: Date): Promise<string[]>;
}

/** A package's temporary name while it is written (`.<final name>.partial-<12 hex>`), or a 接続テスト probe. */
export const TEMPORARY_NAME = /^\.(?:[^/\\]+\.partial|madoguchi-probe)-[0-9a-f]{12}$/;
