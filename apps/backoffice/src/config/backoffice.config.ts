import { fileList } from '@madoguchi/pki';
import { ConfigError, loadConfig, parseSecretKey } from '@madoguchi/common';
import { Transform, Type } from 'class-transformer';
import { randomBytes } from 'node:crypto';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

/** The environment as the operator writes it; validated once at boot (STYLE.md, config). */
export class BackofficeEnv {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  BACKOFFICE_PORT = 3001;

  @IsString()
  @MinLength(1)
  BACKOFFICE_HOST = '127.0.0.1';

  @IsString()
  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'BACKOFFICE_DATABASE_URL must be sqlite:<file> or postgres://…',
  })
  BACKOFFICE_DATABASE_URL = 'sqlite:./data/backoffice.sqlite';

  @IsString()
  @MinLength(1)
  BACKOFFICE_DATA_DIR = './data/backoffice';

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PORTAL_TRANSFER_URL = 'http://127.0.0.1:3000';

  @IsOptional()
  @IsString()
  @MinLength(32)
  TRANSFER_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(32)
  BACKOFFICE_COOKIE_SECRET?: string;

  /**
   * The key that seals secrets kept in the database (staff TOTP secrets, archive connector secrets): 32 random
   * bytes, base64url, base64 or hex. Required in production; `npm start` makes one in ./data/secrets.
   */
  @IsOptional()
  @IsString()
  BACKOFFICE_SECRETS_KEY?: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  PULL_INTERVAL_MS = 2000;

  @IsString()
  @MinLength(1)
  FORMS_DIR = './forms';

  /**
   * The back office's own trust anchors (files, PEM or DER, comma-separated): the J-LIS signing CA certificates in
   * production, the simulated J-LIS root in development. Without them every signature is INDETERMINATE.
   */
  @IsOptional()
  @IsString()
  JPKI_TRUST_ANCHORS?: string;

  @IsOptional()
  @IsString()
  JPKI_INTERMEDIATES?: string;

  /** Accept the simulated J-LIS's test certificate policy (never in production). */
  // implicit conversion would read "false" as true
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
  )
  @IsBoolean()
  JPKI_ACCEPT_TEST_CERTIFICATES = false;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  REVOCATION_TIMEOUT_MS = 3000;

  /** The hour (0–23, Japan time) of the nightly 現況確認 of every open signed application. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(23)
  REVOCATION_RECHECK_HOUR = 3;

  /** A staff session ends after this many minutes without a request. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  BACKOFFICE_SESSION_IDLE_MINUTES = 30;

  /** …and this many hours after login, however active. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24)
  BACKOFFICE_SESSION_MAX_HOURS = 8;

  /** POST /login: failed (or running) attempts allowed per client address in one window (successes give theirs back) */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  BACKOFFICE_LOGIN_MAX_ATTEMPTS = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  BACKOFFICE_LOGIN_WINDOW_MINUTES = 10;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  ARCHIVE_INTERVAL_MS = 5000;

  /** how long a delivery claim holds: a process that dies mid-delivery leaves its entries to others after this */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  ARCHIVE_LEASE_MS = 600_000;
}

/** What the app reads (tests pass a literal). */
export interface BackofficeConfig {
  port: number;
  host: string;
  databaseUrl: string;
  dataDir: string;
  portalTransferUrl: string;
  transferKey: string;
  cookieSecret: string;
  /** seals secrets at rest (a 32-byte key as text); DEV_SECRETS_KEY when absent, never in production */
  secretsKey?: string;
  pullIntervalMs: number;
  formsDir: string;
  isProduction: boolean;
  /** signature re-verification at pickup (issue 4 §8) */
  jpki?: {
    trustAnchorFiles: string[];
    intermediateFiles: string[];
    acceptTestCertificates: boolean;
    revocationTimeoutMs: number;
  };
  /** nightly 現況確認 hour, Japan time (default 3) */
  revocationRecheckHour?: number;

  /** staff sessions (issue 5 §9); DEFAULT_SESSION_POLICY when absent */
  session?: SessionPolicy;

  /** the per-client rate limit of POST /login (issue 5 §9); DEFAULT_LOGIN_RATE_LIMIT when absent */
  loginRateLimit?: { maxAttempts: number; windowMs: number };

  /** archive outbox worker (issue 6); defaults when absent */
  archive?: { intervalMs: number; leaseMs: number };
}

export interface SessionPolicy {
  /** the session ends this long after its last request */
  idleTimeoutMs: number;
  /** the session ends this long after login, however active */
  absoluteLifetimeMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleTimeoutMs: 30 * 60 * 1000,
  absoluteLifetimeMs: 8 * 60 * 60 * 1000,
};

/** Shared with the portal's development default so `npm start` works with no configuration. Never in production. */
export const DEV_TRANSFER_KEY = 'madoguchi-dev-transfer-key-not-for-production';

/** Development and tests only: production refuses to start without BACKOFFICE_SECRETS_KEY. */
export const DEV_SECRETS_KEY = 'bWFkb2d1Y2hpIGRldiBrZXksIG5vdCBmb3IgcHJvZCE';

export function loadBackofficeConfig(env: Record<string, string | undefined>): BackofficeConfig {
  const e = loadConfig(BackofficeEnv, env);
  const isProduction = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (isProduction && !e.TRANSFER_KEY) {
    problems.push(
      'TRANSFER_KEY: required in production (at least 32 characters, shared with the portal)',
    );
  }
  if (isProduction && !e.BACKOFFICE_COOKIE_SECRET) {
    problems.push('BACKOFFICE_COOKIE_SECRET: required in production (at least 32 characters)');
  }
  if (e.BACKOFFICE_SECRETS_KEY !== undefined && !parseSecretKey(e.BACKOFFICE_SECRETS_KEY)) {
    problems.push(
      'BACKOFFICE_SECRETS_KEY: must be 32 random bytes, base64url, base64 or hex (e.g. `openssl rand -base64 32`)',
    );
  } else if (isProduction && !e.BACKOFFICE_SECRETS_KEY) {
    problems.push(
      'BACKOFFICE_SECRETS_KEY: required in production (32 random bytes, e.g. `openssl rand -base64 32`; back it up)',
    );
  }
  if (isProduction && e.JPKI_ACCEPT_TEST_CERTIFICATES) {
    problems.push('JPKI_ACCEPT_TEST_CERTIFICATES: never in production');
  }
  if (e.BACKOFFICE_SESSION_IDLE_MINUTES > e.BACKOFFICE_SESSION_MAX_HOURS * 60) {
    problems.push(
      'BACKOFFICE_SESSION_IDLE_MINUTES: must not be longer than BACKOFFICE_SESSION_MAX_HOURS',
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return {
    port: e.BACKOFFICE_PORT,
    host: e.BACKOFFICE_HOST,
    databaseUrl: e.BACKOFFICE_DATABASE_URL,
    dataDir: e.BACKOFFICE_DATA_DIR,
    portalTransferUrl: e.PORTAL_TRANSFER_URL,
    transferKey: e.TRANSFER_KEY ?? DEV_TRANSFER_KEY,
    // development: a new secret per start (sessions end with a restart, which is fine there)
    cookieSecret: e.BACKOFFICE_COOKIE_SECRET ?? randomBytes(32).toString('hex'),
    secretsKey: e.BACKOFFICE_SECRETS_KEY ?? DEV_SECRETS_KEY,
    pullIntervalMs: e.PULL_INTERVAL_MS,
    formsDir: e.FORMS_DIR,
    isProduction,
    jpki: {
      trustAnchorFiles: fileList(e.JPKI_TRUST_ANCHORS),
      intermediateFiles: fileList(e.JPKI_INTERMEDIATES),
      acceptTestCertificates: e.JPKI_ACCEPT_TEST_CERTIFICATES,
      revocationTimeoutMs: e.REVOCATION_TIMEOUT_MS,
    },
    revocationRecheckHour: e.REVOCATION_RECHECK_HOUR,
    session: {
      idleTimeoutMs: e.BACKOFFICE_SESSION_IDLE_MINUTES * 60 * 1000,
      absoluteLifetimeMs: e.BACKOFFICE_SESSION_MAX_HOURS * 60 * 60 * 1000,
    },
    loginRateLimit: {
      maxAttempts: e.BACKOFFICE_LOGIN_MAX_ATTEMPTS,
      windowMs: e.BACKOFFICE_LOGIN_WINDOW_MINUTES * 60_000,
    },
    archive: { intervalMs: e.ARCHIVE_INTERVAL_MS, leaseMs: e.ARCHIVE_LEASE_MS },
  };
}
