import 'reflect-metadata';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

/** Portal configuration, validated once at boot from the environment (README: Configuration). */
export class PortalConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORTAL_PORT: number = 3000;

  @IsString()
  PORTAL_HOST: string = '127.0.0.1';

  /** The address residents use; QR codes and links are built from it. */
  @Matches(/^https?:\/\/[^\s/]+(\/.*)?$/, { message: 'must be an http(s) URL' })
  PORTAL_PUBLIC_URL: string = 'http://localhost:3000';

  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'must be sqlite:<file> or postgres://user:password@host:port/database',
  })
  PORTAL_DATABASE_URL: string = 'sqlite:./data/portal.sqlite';

  /** Attachments and other bytes (kept out of the database). */
  @IsString()
  PORTAL_DATA_DIR: string = './data/portal';

  @IsString()
  FORMS_DIR: string = './forms';

  /** Shared key of the zone boundary (HMAC-SHA256); the same value on the back office. */
  @ValidateIf((c: PortalConfig) => c.NODE_ENV === 'production' || c.TRANSFER_KEY !== undefined)
  @IsString()
  @MinLength(32)
  TRANSFER_KEY?: string;

  @ValidateIf(
    (c: PortalConfig) => c.NODE_ENV === 'production' || c.PORTAL_COOKIE_SECRET !== undefined,
  )
  @IsString()
  @MinLength(32)
  PORTAL_COOKIE_SECRET?: string;

  /** Hours a draft is kept after its last change. */
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  DRAFT_TTL_HOURS: number = 24;

  /**
   * Trust anchors of the signature verifier: files (PEM or DER), comma-separated — the J-LIS signing CA
   * certificates in production, the simulated J-LIS root in development and tests.
   */
  @IsOptional()
  @IsString()
  JPKI_TRUST_ANCHORS?: string;

  /** CA certificates between the anchors and the residents' certificates, embedded in every CMS. */
  @IsOptional()
  @IsString()
  JPKI_INTERMEDIATES?: string;

  /** Accept the simulated J-LIS's test certificate policy (never in production). */
  // implicit conversion would read "false" as true
  @Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
    const raw = obj[key];
    return raw === 'true' || raw === '1' || raw === true
      ? true
      : raw === 'false' || raw === '0' || raw === false || raw === undefined
        ? false
        : raw;
  })
  @IsBoolean()
  JPKI_ACCEPT_TEST_CERTIFICATES: boolean = false;

  @IsInt()
  @Min(100)
  @Max(60_000)
  REVOCATION_TIMEOUT_MS: number = 3000;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' = 'info';
}

export const DEV_TRANSFER_KEY = 'madoguchi-dev-transfer-key-not-for-production';
export const DEV_COOKIE_SECRET = 'madoguchi-dev-cookie-secret-not-for-production';

export function transferKey(config: PortalConfig): string {
  return config.TRANSFER_KEY ?? DEV_TRANSFER_KEY;
}

export function cookieSecret(config: PortalConfig): string {
  return config.PORTAL_COOKIE_SECRET ?? DEV_COOKIE_SECRET;
}
