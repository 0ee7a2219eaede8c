import { generateSecret, generateURI, verifySync } from 'otplib';

/** RFC 6238 defaults, the only ones every authenticator app supports: HMAC-SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;

/** 160 random bits (RFC 4226 §4 recommends 160), base32 without padding as the otpauth:// URI carries it. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The Key Uri Format of Google Authenticator, which the other apps read too. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return generateURI({ issuer, label: account, secret });
}

/** Full-width digits and spaces, as typed on a Japanese keyboard or copied from an app ("123 456"), are fine. */
export function normaliseTotpCode(code: string): string {
  return code.normalize('NFKC').replace(/[\s-]/g, '');
}

/**
 * The time step of a valid code, or undefined. One step either side is accepted (RFC 6238 §5.2: clock drift and
 * typing time); a step at or before `lastStep` is refused, so a code works once (§5.2: "MUST NOT accept the second
 * attempt of the same OTP after the successful validation").
 */
export function verifyTotp(
  secret: string,
  code: string,
  lastStep: number | null,
  now: Date,
): number | undefined {
  const token = normaliseTotpCode(code);
  if (!/^[0-9]{6}$/.test(token)) {
    return undefined;
  }
  try {
    const result = verifySync({
      secret,
      token,
      epoch: Math.floor(now.getTime() / 1000),
      epochTolerance: TOTP_PERIOD_SECONDS,
      ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  } catch {
    // otplib throws for a stored secret it cannot decode or a lastStep ahead of the clock: not a valid code
    return undefined;
  }
}
