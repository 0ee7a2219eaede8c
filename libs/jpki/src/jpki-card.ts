import { CommandApdu, fromHex, ResponseApdu } from './apdu';
import { BasicFour, parseBasicFour } from './basic-four';
import { CardError, CardErrorCode } from './card.error';
import { CardTransport, exchange } from './card-transport';
import { SW, statusWordToError } from './status-word';
import { readTlvHeader } from './tlv';

/** JPKI.md §1.1: the JPKI AP (公的個人認証AP). */
export const JPKI_AP_AID = fromHex('D3 92 F0 00 26 01 00 00 00 01');
/** JPKI.md §3.1: the card-input-helper AP (券面事項入力補助AP). */
export const TEXT_AP_AID = fromHex('D3 92 10 00 31 00 01 01 04 08');
/** JPKI.md §3.2: the card-face AP (券面事項確認AP). */
export const VISUAL_AP_AID = fromHex('D3 92 10 00 31 00 01 01 04 02');

/** EF identifiers of the JPKI AP (JPKI.md §1.1). */
export const JpkiEf = {
  SignCert: 0x0001,
  SignCaCert: 0x0002,
  TokenInfo: 0x0006,
  CertPresence: 0x0008,
  AuthCert: 0x000a,
  AuthCaCert: 0x000b,
  AuthKey: 0x0017,
  AuthPin: 0x0018,
  SignKey: 0x001a,
  SignPassword: 0x001b,
} as const;

/** EF identifiers of the card-input-helper AP that the host uses (JPKI.md §3.1). */
export const TextEf = {
  BasicFour: 0x0002,
  Pin: 0x0011,
} as const;

/** JPKI.md §2: retry limits. */
export const PIN_MAX_TRIES = { sign: 5, auth: 3, text: 3 } as const;

/** JPKI.md §1.2: DER prefix of DigestInfo(SHA-256). */
export const SHA256_DIGEST_INFO_PREFIX = fromHex(
  '30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20',
);

/** JPKI.md §1.2: the card pads what it is sent, 1..245 bytes (256 - 11 bytes of PKCS#1 v1.5 type 1). */
export const MAX_SIGN_INPUT = 245;

/** JPKI.md §1.2: READ BINARY offsets are 15 bits. */
const MAX_OFFSET = 0x7fff;
const SHORT_LE_MAX = 256;

type Ap = 'jpki' | 'text';

export function sha256DigestInfo(hash: Uint8Array): Buffer {
  if (hash.length !== 32) {
    throw new CardError(
      CardErrorCode.InvalidArgument,
      `SHA-256 hash must be 32 bytes, got ${hash.length}`,
    );
  }
  return Buffer.concat([SHA256_DIGEST_INFO_PREFIX, hash]);
}

/** JPKI.md §2: 6–16 of [A-Z0-9], upper-cased before sending (§6.5). */
export function normaliseSignPassword(password: string): string {
  const upper = password.toUpperCase();
  if (!/^[A-Z0-9]{6,16}$/.test(upper)) {
    throw new CardError(
      CardErrorCode.InvalidPinFormat,
      'the signing password must be 6 to 16 characters of A-Z and 0-9',
      { pin: 'sign' },
    );
  }
  return upper;
}

/** JPKI.md §2: the auth PIN and the card-input-helper PIN are 4 digits. */
export function validateFourDigitPin(pin: string, which: 'auth' | 'text'): string {
  if (!/^[0-9]{4}$/.test(pin)) {
    throw new CardError(CardErrorCode.InvalidPinFormat, 'the PIN must be 4 digits', { pin: which });
  }
  return pin;
}

const ascii = (s: string) => Buffer.from(s, 'ascii');

/**
 * The host side of the My Number Card: the JPKI AP and the card-input-helper AP over any CardTransport
 * (JPKI.md §1–§3, §6.8 sequence). Operations select their AP when another AP (or none) is current;
 * selecting another AP clears the card's verified state (JPKI.md §1.1), so verify after switching.
 * There is deliberately no operation that reads the individual number (text AP EF 0001).
 */
export class JpkiCard {
  private currentAp: Ap | undefined;

  constructor(private readonly transport: CardTransport) {}

  async selectJpkiAp(): Promise<void> {
    await this.selectAp('jpki');
  }

  async selectTextAp(): Promise<void> {
    await this.selectAp('text');
  }

  signPasswordTriesLeft(): Promise<number> {
    return this.triesLeft('jpki', JpkiEf.SignPassword, PIN_MAX_TRIES.sign);
  }

  authPinTriesLeft(): Promise<number> {
    return this.triesLeft('jpki', JpkiEf.AuthPin, PIN_MAX_TRIES.auth);
  }

  textPinTriesLeft(): Promise<number> {
    return this.triesLeft('text', TextEf.Pin, PIN_MAX_TRIES.text);
  }

  /**
   * Throws INVALID_PIN_FORMAT (nothing sent), WRONG_PIN (details.triesLeft; 0 = this try blocked it)
   * or PIN_BLOCKED.
   */
  async verifySignPassword(password: string): Promise<void> {
    const value = normaliseSignPassword(password);
    await this.verify('jpki', JpkiEf.SignPassword, value);
  }

  async verifyAuthPin(pin: string): Promise<void> {
    await this.verify('jpki', JpkiEf.AuthPin, validateFourDigitPin(pin, 'auth'));
  }

  async verifyTextPin(pin: string): Promise<void> {
    await this.verify('text', TextEf.Pin, validateFourDigitPin(pin, 'text'));
  }

  /** Needs verifySignPassword first (JPKI.md §1.1). */
  readSigningCertificate(): Promise<Buffer> {
    return this.readCertificate(JpkiEf.SignCert, 'signing certificate');
  }

  readAuthCertificate(): Promise<Buffer> {
    return this.readCertificate(JpkiEf.AuthCert, 'authentication certificate');
  }

  readSigningCaCertificate(): Promise<Buffer> {
    return this.readCertificate(JpkiEf.SignCaCert, 'signing CA certificate');
  }

  readAuthCaCertificate(): Promise<Buffer> {
    return this.readCertificate(JpkiEf.AuthCaCert, 'authentication CA certificate');
  }

  /** EF 0006: the first 32 bytes of CK_TOKEN_INFO are the label, space-padded (JPKI.md §1.1, §6.9). */
  async readTokenLabel(): Promise<string> {
    await this.ensureAp('jpki');
    await this.selectEf(JpkiEf.TokenInfo);
    const label = await this.readBinary(0, 32);
    return Buffer.from(label)
      .toString('ascii')
      .replace(/[\s\0]+$/, '');
  }

  /** PKCS#1 v1.5 signature by the signing key over a DigestInfo; needs verifySignPassword. */
  signWithSigningKey(digestInfo: Uint8Array): Promise<Buffer> {
    return this.sign(JpkiEf.SignKey, digestInfo);
  }

  /** PKCS#1 v1.5 signature by the authentication key over a DigestInfo; needs verifyAuthPin. */
  signWithAuthKey(digestInfo: Uint8Array): Promise<Buffer> {
    return this.sign(JpkiEf.AuthKey, digestInfo);
  }

  /** The basic four details from the card-input-helper AP; needs verifyTextPin (JPKI.md §3.1). */
  async readBasicFour(): Promise<BasicFour> {
    await this.ensureAp('text');
    await this.selectEf(TextEf.BasicFour);
    const ef = await this.readTlvEf(0xff20, 'basic four');
    return parseBasicFour(ef);
  }

  async close(): Promise<void> {
    this.currentAp = undefined;
    await this.transport.close?.();
  }

  private async send(command: CommandApdu): Promise<ResponseApdu> {
    try {
      return await exchange(this.transport, command);
    } catch (error) {
      // After a link error the card may have been reset: forget what we think is selected.
      this.currentAp = undefined;
      throw error;
    }
  }

  private async check(command: CommandApdu, name: string): Promise<Uint8Array> {
    const response = await this.send(command);
    const error = statusWordToError(response.sw, name);
    if (error) {
      throw error;
    }
    return response.data;
  }

  private async selectAp(ap: Ap): Promise<void> {
    this.currentAp = undefined;
    const aid = ap === 'jpki' ? JPKI_AP_AID : TEXT_AP_AID;
    // JPKI.md §1.2: SELECT by DF name, P2=0C (no FCI).
    await this.check(CommandApdu.of(0x00, 0xa4, 0x04, 0x0c, aid), `SELECT ${ap} AP`);
    this.currentAp = ap;
  }

  private async ensureAp(ap: Ap): Promise<void> {
    if (this.currentAp !== ap) {
      await this.selectAp(ap);
    }
  }

  private async selectEf(fid: number): Promise<void> {
    const data = Uint8Array.of(fid >> 8, fid & 0xff);
    await this.check(CommandApdu.of(0x00, 0xa4, 0x02, 0x0c, data), `SELECT EF ${fid.toString(16)}`);
  }

  private async triesLeft(ap: Ap, pinEf: number, max: number): Promise<number> {
    await this.ensureAp(ap);
    await this.selectEf(pinEf);
    // JPKI.md §1.2: VERIFY without data (case 1) reports 63Cx without spending a try.
    const response = await this.send(CommandApdu.of(0x00, 0x20, 0x00, 0x80));
    const sw = response.sw;
    if ((sw & 0xfff0) === 0x63c0) {
      return sw & 0x0f;
    }
    if (sw === SW.REFERENCE_DATA_BLOCKED) {
      return 0;
    }
    if (sw === SW.OK) {
      // JPKI.md §2: some cards answer 9000 when already verified; a success resets the counter.
      return max;
    }
    throw (
      statusWordToError(sw, 'VERIFY (tries left)') ??
      new CardError(CardErrorCode.UnexpectedStatus, 'VERIFY')
    );
  }

  private async verify(ap: Ap, pinEf: number, value: string): Promise<void> {
    await this.ensureAp(ap);
    await this.selectEf(pinEf);
    // Sent once: exchange() never repeats INS 20, and nothing here retries (JPKI.md §2, §6.4).
    await this.check(CommandApdu.of(0x00, 0x20, 0x00, 0x80, ascii(value)), 'VERIFY');
  }

  private async sign(keyEf: number, digestInfo: Uint8Array): Promise<Buffer> {
    if (digestInfo.length < 1 || digestInfo.length > MAX_SIGN_INPUT) {
      throw new CardError(
        CardErrorCode.InvalidArgument,
        `sign input must be 1..${MAX_SIGN_INPUT} bytes, got ${digestInfo.length}`,
      );
    }
    await this.ensureAp('jpki');
    await this.selectEf(keyEf);
    // JPKI.md §1.2: COMPUTE DIGITAL SIGNATURE 80 2A 00 80 Lc <DigestInfo> 00.
    const signature = await this.check(
      CommandApdu.of(0x80, 0x2a, 0x00, 0x80, digestInfo, SHORT_LE_MAX),
      'COMPUTE DIGITAL SIGNATURE',
    );
    return Buffer.from(signature);
  }

  private async readCertificate(fid: number, label: string): Promise<Buffer> {
    await this.ensureAp('jpki');
    await this.selectEf(fid);
    return this.readTlvEf(0x30, label);
  }

  private async readBinary(offset: number, le: number): Promise<Uint8Array> {
    const command = CommandApdu.of(0x00, 0xb0, offset >> 8, offset & 0xff, undefined, le);
    const response = await this.send(command);
    // 6282: end of file reached before Le bytes; the data returned is still valid.
    if (response.sw === SW.OK || response.sw === SW.END_OF_FILE_WARNING) {
      return response.data;
    }
    throw (
      statusWordToError(response.sw, `READ BINARY at ${offset}`) ??
      new CardError(CardErrorCode.UnexpectedStatus, 'READ BINARY')
    );
  }

  /**
   * Reads the TLV at the start of the current EF: length from its header, short READ BINARY chunks of
   * at most 256 bytes, filler after the TLV trimmed (JPKI.md §1.3, §6.1).
   */
  private async readTlvEf(expectedTag: number, label: string): Promise<Buffer> {
    const first = await this.readBinary(0, SHORT_LE_MAX);
    // An EF that was never written holds only filler (e.g. no signing certificate under 15).
    const header = first[0] === 0xff && first[1] === 0xff ? undefined : readTlvHeader(first);
    if (header?.tag !== expectedTag) {
      throw new CardError(
        CardErrorCode.MalformedData,
        `${label}: EF is empty or does not start with tag ${expectedTag.toString(16).toUpperCase()}`,
      );
    }
    const total = header.headerLength + header.length;
    const chunks: Uint8Array[] = [first];
    let have = first.length;
    while (have < total) {
      if (have > MAX_OFFSET) {
        throw new CardError(
          CardErrorCode.MalformedData,
          `${label}: ${total} bytes exceed the 15-bit READ BINARY offset`,
        );
      }
      const chunk = await this.readBinary(have, Math.min(total - have, SHORT_LE_MAX));
      if (chunk.length === 0) {
        throw new CardError(
          CardErrorCode.EndOfFile,
          `${label}: EF ended after ${have} of ${total} bytes`,
        );
      }
      chunks.push(chunk);
      have += chunk.length;
    }
    return Buffer.concat(chunks).subarray(0, total);
  }
}
