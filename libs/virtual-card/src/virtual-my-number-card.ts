import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  KeyObject,
  privateEncrypt,
  randomBytes,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';
import { promisify } from 'node:util';
import {
  BasicFour,
  CardError,
  CardErrorCode,
  CommandApdu,
  encodeBasicFour,
  fromHex,
  JPKI_AP_AID,
  JpkiEf,
  MAX_SIGN_INPUT,
  parseBasicFour,
  PIN_MAX_TRIES,
  sha256DigestInfo,
  SW,
  TEXT_AP_AID,
  TextEf,
  VISUAL_AP_AID,
  wrongPinSw,
} from '@madoguchi/jpki';
import {
  CardStateJson,
  PinId,
  PinStateJson,
  readCardStateFile,
  writeCardStateFile,
} from './card-state.store';
import { generateFictionalMyNumber, isValidMyNumber } from './my-number.util';
import { VirtualCardError, VirtualCardErrorCode } from './virtual-card.error';

/** JPKI.md §1.4: the contact ATR (T=1, no historical bytes, valid TCK). */
export const JPKI_ATR = fromHex('3B E0 00 FF 81 31 FE 45 14');

/** JPKI.md §1.1: EF 0006 label of a plastic card. */
export const VIRTUAL_CARD_TOKEN_LABEL = 'JPKIAPICCTOKEN2';

type ApId = 'jpki' | 'text' | 'visual';
type KeyId = 'sign' | 'auth';

type EfSpec =
  | { type: 'binary'; file: string; capacity: number; readPin?: PinId }
  | { type: 'pin'; pin: PinId }
  | { type: 'key'; key: KeyId; pin: PinId };

// JPKI.md §3.1: text AP EF 0001 holds the individual number; the card needs it, the host library does not.
const TEXT_EF_MY_NUMBER = 0x0001;

const FILE = {
  signCert: 'jpki:0001',
  signCa: 'jpki:0002',
  tokenInfo: 'jpki:0006',
  presence: 'jpki:0008',
  authCert: 'jpki:000A',
  authCa: 'jpki:000B',
  myNumber: 'text:0001',
  basicFour: 'text:0002',
} as const;

const CERT_EF_CAPACITY = 0x0800;

/** JPKI.md §1.1 and §3.1: EFs and their access conditions. */
const APS: Record<ApId, { aid: Uint8Array; efs: ReadonlyMap<number, EfSpec> }> = {
  jpki: {
    aid: JPKI_AP_AID,
    efs: new Map<number, EfSpec>([
      [
        JpkiEf.SignCert,
        { type: 'binary', file: FILE.signCert, capacity: CERT_EF_CAPACITY, readPin: 'sign' },
      ],
      [JpkiEf.SignCaCert, { type: 'binary', file: FILE.signCa, capacity: CERT_EF_CAPACITY }],
      [JpkiEf.TokenInfo, { type: 'binary', file: FILE.tokenInfo, capacity: 160 }],
      [JpkiEf.CertPresence, { type: 'binary', file: FILE.presence, capacity: 3 }],
      [JpkiEf.AuthCert, { type: 'binary', file: FILE.authCert, capacity: CERT_EF_CAPACITY }],
      [JpkiEf.AuthCaCert, { type: 'binary', file: FILE.authCa, capacity: CERT_EF_CAPACITY }],
      [JpkiEf.AuthKey, { type: 'key', key: 'auth', pin: 'auth' }],
      [JpkiEf.AuthPin, { type: 'pin', pin: 'auth' }],
      [JpkiEf.SignKey, { type: 'key', key: 'sign', pin: 'sign' }],
      [JpkiEf.SignPassword, { type: 'pin', pin: 'sign' }],
    ]),
  },
  text: {
    aid: TEXT_AP_AID,
    efs: new Map<number, EfSpec>([
      [TEXT_EF_MY_NUMBER, { type: 'binary', file: FILE.myNumber, capacity: 17, readPin: 'text' }],
      [
        TextEf.BasicFour,
        { type: 'binary', file: FILE.basicFour, capacity: 0x0200, readPin: 'text' },
      ],
      [TextEf.Pin, { type: 'pin', pin: 'text' }],
    ]),
  },
  // JPKI.md §3.2: selectable only; its EFs are not emulated.
  visual: { aid: VISUAL_AP_AID, efs: new Map() },
};

const AP_IDS: readonly ApId[] = ['jpki', 'text', 'visual'];

/** The ATR without TS, answered to GET DATA 5F51 (JPKI.md §1.4). */
const GET_DATA_ATR = JPKI_ATR.slice(1);

/** JPKI.md §2: the card compares at most 16 bytes of reference data (JICSAP). */
const MAX_PIN_BYTES = 16;

function isValidPin(pin: PinId, value: string): boolean {
  return pin === 'sign' ? /^[A-Z0-9]{6,16}$/.test(value) : /^[0-9]{4}$/.test(value);
}

function hashPin(salt: Buffer, value: Uint8Array): Buffer {
  return createHash('sha256').update(salt).update(value).digest();
}

function makePin(value: string, triesLeft: number): PinStateJson {
  const salt = randomBytes(16);
  return {
    salt: salt.toString('base64'),
    hash: hashPin(salt, Buffer.from(value, 'ascii')).toString('base64'),
    triesLeft,
  };
}

function respond(sw: number, data?: Uint8Array): Uint8Array {
  const out = new Uint8Array((data?.length ?? 0) + 2);
  if (data) {
    out.set(data);
  }
  out[out.length - 2] = sw >> 8;
  out[out.length - 1] = sw & 0xff;
  return out;
}

function tokenInfo(): Buffer {
  // JPKI.md §1.1: a CK_TOKEN_INFO of 160 bytes; label (32), manufacturerID (32), model (16) and
  // serialNumber (16) are space-padded, then the ULONGs (left 0 here).
  const info = Buffer.alloc(160, 0);
  info.write(VIRTUAL_CARD_TOKEN_LABEL.padEnd(32, ' '), 0, 'ascii');
  info.write('madoguchi virtual card (TEST)'.padEnd(32, ' '), 32, 'ascii');
  info.write('VirtualMyNumber'.padEnd(16, ' '), 64, 'ascii');
  info.write(''.padEnd(16, ' '), 80, 'ascii');
  return info;
}

/**
 * What the card pads and signs for each P1 of COMPUTE DIGITAL SIGNATURE (JPKI.md §1.2): 00 the input as
 * sent (a DigestInfo, 1..245 bytes); 01 the bare SHA-256 of the input; 02 a 32-byte hash wrapped in a
 * DigestInfo; 03 the DigestInfo of the SHA-256 of the input. undefined = wrong length.
 */
function signatureInput(p1: number, data: Uint8Array): Buffer | undefined {
  const sha256 = () => createHash('sha256').update(data).digest();
  if (data.length === 0) {
    return undefined;
  }
  switch (p1) {
    case 0x00:
      return data.length <= MAX_SIGN_INPUT ? Buffer.from(data) : undefined;
    case 0x01:
      return sha256();
    case 0x02:
      return data.length === 32 ? sha256DigestInfo(data) : undefined;
    default:
      return sha256DigestInfo(sha256());
  }
}

export interface CreateVirtualCardOptions {
  basicFour: BasicFour;
  /** 6–16 of [A-Z0-9]; lower case is upper-cased as the card tools do (JPKI.md §6.5). */
  signPassword: string;
  /** 4 digits. */
  authPin: string;
  /** 4 digits (券面事項入力補助用暗証番号). */
  textPin: string;
  /** A fictional 12-digit number with a valid check digit; generated when absent. */
  myNumber?: string;
}

export interface VirtualCardCertificates {
  signCert: Buffer;
  signCa: Buffer;
  authCert: Buffer;
  authCa: Buffer;
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
}

/** What `virtual-card info` shows: no keys, no PINs, no individual number. */
export interface VirtualCardDescription {
  isTestCard: true;
  tokenLabel: string;
  basicFour: BasicFour;
  triesLeft: Record<PinId, number>;
  publicKeySha256: { sign: string; auth: string };
  certificates: Partial<Record<keyof VirtualCardCertificates, CertificateSummary>>;
}

const generateRsaKeyPair = promisify(generateKeyPair);

/**
 * A software My Number Card: answers command APDUs as the real card does (JPKI.md §1–§3, §7).
 * transmit never throws: every input gets a status word. Private keys never leave the object except
 * through the state file, which is the card.
 */
export class VirtualMyNumberCard {
  readonly #keys: Record<KeyId, KeyObject>;
  readonly #pins: Record<PinId, PinStateJson>;
  readonly #files: Map<string, Buffer>;
  #stateFile: string | undefined;

  // Volatile state, cleared by power on / reset (CARD-MIDDLEWARE.md §2.1).
  #currentAp: ApId | undefined;
  #currentEf: number | undefined;
  readonly #verified = new Set<PinId>();

  private constructor(state: CardStateJson, stateFile?: string) {
    this.#keys = {
      sign: createPrivateKey(state.keys.sign),
      auth: createPrivateKey(state.keys.auth),
    };
    this.#pins = {
      sign: { ...state.pins.sign },
      auth: { ...state.pins.auth },
      text: { ...state.pins.text },
    };
    this.#files = new Map(
      Object.entries(state.files).map(([id, b64]) => [id, Buffer.from(b64, 'base64')]),
    );
    this.#files.set(FILE.tokenInfo, tokenInfo());
    this.#stateFile = stateFile;
  }

  /** Generates both RSA-2048 key pairs (e = 65537, JPKI.md §1.2) and personalises the card. */
  static async create(options: CreateVirtualCardOptions): Promise<VirtualMyNumberCard> {
    const bad = (why: string) => new VirtualCardError(VirtualCardErrorCode.InvalidParameters, why);
    const signPassword = options.signPassword.toUpperCase();
    if (!isValidPin('sign', signPassword)) {
      throw bad('the signing password must be 6 to 16 characters of A-Z and 0-9');
    }
    if (!isValidPin('auth', options.authPin)) {
      throw bad('the authentication PIN must be 4 digits');
    }
    if (!isValidPin('text', options.textPin)) {
      throw bad('the card-input-helper PIN must be 4 digits');
    }
    const myNumber = options.myNumber ?? generateFictionalMyNumber();
    if (!isValidMyNumber(myNumber)) {
      throw bad('the individual number must be 12 digits with a valid check digit');
    }
    let basicFour: Uint8Array;
    try {
      basicFour = encodeBasicFour(options.basicFour);
    } catch (error) {
      throw bad((error as Error).message);
    }
    const rsa = { modulusLength: 2048, publicExponent: 0x10001 };
    const [sign, auth] = await Promise.all([
      generateRsaKeyPair('rsa', rsa),
      generateRsaKeyPair('rsa', rsa),
    ]);
    const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
    // JPKI.md §3.1: FF 10 0C + 12 ASCII digits, then FF FF filler (17 bytes physical).
    const myNumberEf = Buffer.concat([
      Buffer.from([0xff, 0x10, 0x0c]),
      Buffer.from(myNumber, 'ascii'),
    ]);
    return new VirtualMyNumberCard({
      format: 'madoguchi-virtual-my-number-card',
      version: 1,
      isTestCard: true,
      keys: { sign: pem(sign.privateKey), auth: pem(auth.privateKey) },
      pins: {
        sign: makePin(signPassword, PIN_MAX_TRIES.sign),
        auth: makePin(options.authPin, PIN_MAX_TRIES.auth),
        text: makePin(options.textPin, PIN_MAX_TRIES.text),
      },
      files: {
        [FILE.myNumber]: myNumberEf.toString('base64'),
        [FILE.basicFour]: Buffer.from(basicFour).toString('base64'),
      },
    });
  }

  /** Loads a state file; later counter and file changes are written back to it. */
  static open(file: string): VirtualMyNumberCard {
    const state = readCardStateFile(file);
    try {
      return new VirtualMyNumberCard(state, file);
    } catch (error) {
      throw new VirtualCardError(
        VirtualCardErrorCode.InvalidStateFile,
        `${file}: unreadable key (${(error as Error).message})`,
      );
    }
  }

  /** Writes the state file atomically and keeps writing every later change to it. */
  saveTo(file: string): void {
    writeCardStateFile(file, this.serialise());
    this.#stateFile = file;
  }

  get stateFile(): string | undefined {
    return this.#stateFile;
  }

  get atr(): Uint8Array {
    return JPKI_ATR.slice();
  }

  powerOn(): void {
    this.clearVolatileState();
  }

  powerOff(): void {
    this.clearVolatileState();
  }

  /** Clears the selected DF/EF and every verified flag. */
  reset(): void {
    this.clearVolatileState();
  }

  /** SPKI DER of both public keys (for issuing certificates). */
  publicKeys(): { sign: Buffer; auth: Buffer } {
    const spki = (key: KeyObject) => createPublicKey(key).export({ type: 'spki', format: 'der' });
    return { sign: spki(this.#keys.sign), auth: spki(this.#keys.auth) };
  }

  /** Writes the four certificate EFs (DER) and EF 0008 (JPKI.md §1.1: 8F 8F 00 = both present). */
  installCertificates(certs: VirtualCardCertificates): void {
    const entries: [string, Buffer][] = [
      [FILE.signCert, certs.signCert],
      [FILE.signCa, certs.signCa],
      [FILE.authCert, certs.authCert],
      [FILE.authCa, certs.authCa],
    ];
    for (const [id, der] of entries) {
      if (der.length < 4 || der[0] !== 0x30) {
        throw new VirtualCardError(
          VirtualCardErrorCode.InvalidParameters,
          `${id}: not a DER certificate`,
        );
      }
      if (der.length > 0x7fff) {
        throw new VirtualCardError(VirtualCardErrorCode.InvalidParameters, `${id}: too large`);
      }
    }
    for (const [id, der] of entries) {
      this.#files.set(id, Buffer.from(der));
    }
    this.#files.set(FILE.presence, Buffer.from([0x8f, 0x8f, 0x00]));
    this.persist();
  }

  /** A summary without secrets or the individual number. */
  describe(): VirtualCardDescription {
    const summary = (der: Buffer | undefined): CertificateSummary | undefined => {
      if (!der) {
        return undefined;
      }
      let x: X509Certificate;
      try {
        x = new X509Certificate(der);
      } catch {
        return undefined; // installed by a test as a bare DER blob
      }
      return {
        subject: x.subject,
        issuer: x.issuer,
        serialNumber: x.serialNumber,
        validFrom: x.validFrom,
        validTo: x.validTo,
        fingerprint256: x.fingerprint256,
      };
    };
    const keys = this.publicKeys();
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const certificates: VirtualCardDescription['certificates'] = {};
    const pairs: [keyof VirtualCardCertificates, string][] = [
      ['signCert', FILE.signCert],
      ['signCa', FILE.signCa],
      ['authCert', FILE.authCert],
      ['authCa', FILE.authCa],
    ];
    for (const [name, id] of pairs) {
      const s = summary(this.#files.get(id));
      if (s) {
        certificates[name] = s;
      }
    }
    return {
      isTestCard: true,
      tokenLabel: VIRTUAL_CARD_TOKEN_LABEL,
      basicFour: parseBasicFour(this.#files.get(FILE.basicFour) ?? new Uint8Array()),
      triesLeft: {
        sign: this.#pins.sign.triesLeft,
        auth: this.#pins.auth.triesLeft,
        text: this.#pins.text.triesLeft,
      },
      publicKeySha256: { sign: sha(keys.sign), auth: sha(keys.auth) },
      certificates,
    };
  }

  /** One command APDU in, one response APDU (data ‖ SW1 SW2) out. Never throws. */
  transmit(apdu: Uint8Array): Uint8Array {
    try {
      let command: CommandApdu;
      try {
        command = CommandApdu.decode(apdu);
      } catch (error) {
        if (error instanceof CardError && error.code === CardErrorCode.MalformedApdu) {
          // ISO 7816-4 §5.1: length fields that do not add up.
          return respond(SW.WRONG_LENGTH);
        }
        throw error;
      }
      return this.dispatch(command);
    } catch {
      // ISO 7816-4: 6F00, no precise diagnosis (e.g. the state file could not be written).
      return respond(SW.UNKNOWN);
    }
  }

  private dispatch(c: CommandApdu): Uint8Array {
    if (c.cla === 0x80) {
      // JPKI.md §1.2: COMPUTE DIGITAL SIGNATURE is the only proprietary-class command used.
      return c.ins === 0x2a ? this.computeSignature(c) : respond(SW.INS_NOT_SUPPORTED);
    }
    if (c.cla !== 0x00) {
      return respond(SW.CLA_NOT_SUPPORTED);
    }
    switch (c.ins) {
      case 0xa4:
        return this.select(c);
      case 0x20:
        return this.verify(c);
      case 0x24:
        return this.changeReferenceData(c);
      case 0xb0:
        return this.readBinary(c);
      case 0xca:
        return this.getData(c);
      case 0xc0:
        // GET RESPONSE with nothing pending: this card never answers 61xx.
        return respond(SW.CONDITIONS_NOT_SATISFIED);
      default:
        return respond(SW.INS_NOT_SUPPORTED);
    }
  }

  private select(c: CommandApdu): Uint8Array {
    if (c.p2 !== 0x0c && c.p2 !== 0x00) {
      return respond(SW.WRONG_P1P2);
    }
    switch (c.p1) {
      case 0x04: {
        if (c.data.length < 1 || c.data.length > 16) {
          return respond(SW.WRONG_LENGTH);
        }
        // CARD-MIDDLEWARE.md §3.2: 6A82 for every AID this card does not host (no whitelist of probes).
        const ap = AP_IDS.find((id) => Buffer.from(APS[id].aid).equals(c.data));
        if (!ap) {
          return respond(SW.FILE_NOT_FOUND);
        }
        if (ap !== this.#currentAp) {
          // JPKI.md §1.1: the verified state is assumed not to survive a change of DF.
          this.#verified.clear();
        }
        this.#currentAp = ap;
        this.#currentEf = undefined;
        return respond(SW.OK);
      }
      case 0x00:
        if (c.data.length === 0) {
          // JPKI.md §6.3: select MF answers 9000 without changing the DF when an AP is selected, 6A86 after reset.
          return respond(this.#currentAp ? SW.OK : SW.WRONG_P1P2);
        }
        return this.selectEf(c);
      case 0x02:
        return this.selectEf(c);
      default:
        return respond(SW.WRONG_P1P2);
    }
  }

  private selectEf(c: CommandApdu): Uint8Array {
    if (c.data.length !== 2) {
      return respond(SW.WRONG_LENGTH);
    }
    const fid = (c.data[0] << 8) | c.data[1];
    // JPKI.md §6.3: 3F00 by FID gives 6A82; so does any EF the current AP lacks, or any EF with no AP.
    if (!this.#currentAp || !APS[this.#currentAp].efs.has(fid)) {
      return respond(SW.FILE_NOT_FOUND);
    }
    this.#currentEf = fid;
    return respond(SW.OK);
  }

  /** P2 = 80 means the current EF, 80|SFI names the EF directly (JPKI.md §1.2). */
  private referencedEf(p2: number): { fid: number; spec: EfSpec } | number {
    if ((p2 & 0xe0) !== 0x80) {
      return SW.WRONG_P1P2;
    }
    const sfi = p2 & 0x1f;
    const fid = sfi === 0 ? this.#currentEf : sfi;
    if (fid === undefined || !this.#currentAp) {
      return SW.NO_EF_SELECTED;
    }
    const spec = APS[this.#currentAp].efs.get(fid);
    if (!spec) {
      return sfi === 0 ? SW.NO_EF_SELECTED : SW.REFERENCED_DATA_NOT_FOUND;
    }
    return { fid, spec };
  }

  private verify(c: CommandApdu): Uint8Array {
    if (c.p1 !== 0x00) {
      return respond(SW.WRONG_P1P2);
    }
    const ref = this.referencedEf(c.p2);
    if (typeof ref === 'number') {
      return respond(ref);
    }
    if (ref.spec.type !== 'pin') {
      return respond(SW.NO_EF_SELECTED);
    }
    if (c.le !== undefined || c.data.length > MAX_PIN_BYTES) {
      return respond(SW.WRONG_LENGTH);
    }
    const id = ref.spec.pin;
    const pin = this.#pins[id];
    if (c.data.length === 0) {
      // JPKI.md §1.2: tries left, none spent; 63Cx even after a success (CARD-MIDDLEWARE.md §3.3).
      return respond(wrongPinSw(pin.triesLeft));
    }
    if (pin.triesLeft === 0) {
      return respond(SW.REFERENCE_DATA_BLOCKED);
    }
    if (this.matches(pin, c.data)) {
      this.#verified.add(id);
      if (pin.triesLeft !== PIN_MAX_TRIES[id]) {
        pin.triesLeft = PIN_MAX_TRIES[id];
        this.persist();
      }
      return respond(SW.OK);
    }
    this.#verified.delete(id);
    pin.triesLeft -= 1;
    this.persist();
    // JPKI.md §2: 63Cx, and 63C0 on the try that blocks it.
    return respond(wrongPinSw(pin.triesLeft));
  }

  private changeReferenceData(c: CommandApdu): Uint8Array {
    // JPKI.md §1.2: 00 24 01 80 <new> after a successful VERIFY.
    if (c.p1 !== 0x01) {
      return respond(SW.WRONG_P1P2);
    }
    const ref = this.referencedEf(c.p2);
    if (typeof ref === 'number') {
      return respond(ref);
    }
    if (ref.spec.type !== 'pin') {
      return respond(SW.NO_EF_SELECTED);
    }
    if (c.le !== undefined || c.data.length === 0 || c.data.length > MAX_PIN_BYTES) {
      return respond(SW.WRONG_LENGTH);
    }
    const id = ref.spec.pin;
    if (this.#pins[id].triesLeft === 0) {
      return respond(SW.REFERENCE_DATA_BLOCKED);
    }
    if (!this.#verified.has(id)) {
      return respond(SW.SECURITY_STATUS_NOT_SATISFIED);
    }
    const value = Buffer.from(c.data).toString('latin1');
    if (!isValidPin(id, value)) {
      return respond(SW.WRONG_DATA);
    }
    this.#pins[id] = makePin(value, PIN_MAX_TRIES[id]);
    this.persist();
    return respond(SW.OK);
  }

  private readBinary(c: CommandApdu): Uint8Array {
    let fid = this.#currentEf;
    let offset: number;
    if (c.p1 & 0x80) {
      // JPKI.md §1.2: SFI form 00 B0 8s oo Le; the EF becomes current.
      if ((c.p1 & 0xe0) !== 0x80) {
        return respond(SW.WRONG_P1P2);
      }
      const sfi = c.p1 & 0x1f;
      if (!this.#currentAp || !APS[this.#currentAp].efs.has(sfi)) {
        return respond(SW.FILE_NOT_FOUND);
      }
      fid = sfi;
      this.#currentEf = sfi;
      offset = c.p2;
    } else {
      offset = (c.p1 << 8) | c.p2; // 15-bit offset (JPKI.md §1.2)
    }
    if (c.data.length > 0 || c.le === undefined) {
      return respond(SW.WRONG_LENGTH);
    }
    if (fid === undefined || !this.#currentAp) {
      return respond(SW.NO_EF_SELECTED);
    }
    const spec = APS[this.#currentAp].efs.get(fid);
    if (!spec) {
      return respond(SW.NO_EF_SELECTED);
    }
    if (spec.type !== 'binary') {
      return respond(SW.INCOMPATIBLE_FILE);
    }
    if (spec.readPin && !this.#verified.has(spec.readPin)) {
      return respond(SW.SECURITY_STATUS_NOT_SATISFIED);
    }
    const content = this.physicalContent(spec);
    if (offset >= content.length) {
      // JPKI.md §1.3: 6B00 past the end (JICSAP).
      return respond(SW.WRONG_P1P2_OFFSET);
    }
    const data = content.subarray(offset, offset + c.le);
    // ISO 7816-4: 6282, end of file reached before Le bytes.
    return respond(data.length < c.le ? SW.END_OF_FILE_WARNING : SW.OK, data);
  }

  /** EF content followed by FF filler up to the EF's capacity (JPKI.md §1.3, §6.1). */
  private physicalContent(spec: Extract<EfSpec, { type: 'binary' }>): Buffer {
    let content = this.#files.get(spec.file);
    if (!content && spec.file === FILE.presence) {
      content = Buffer.from([0x00, 0x00, 0x00]);
    }
    content ??= Buffer.alloc(0);
    const size = Math.max(spec.capacity, content.length);
    return Buffer.concat([content, Buffer.alloc(size - content.length, 0xff)]);
  }

  private getData(c: CommandApdu): Uint8Array {
    if (c.p1 === 0x5f && c.p2 === 0x51) {
      return respond(SW.OK, GET_DATA_ATR);
    }
    return respond(SW.REFERENCED_DATA_NOT_FOUND);
  }

  private computeSignature(c: CommandApdu): Uint8Array {
    if (c.p1 > 0x03) {
      // JPKI.md §1.2: P1 04/05 (PSS) are not emulated; anything else is 6A86 on the card too.
      return respond(SW.WRONG_P1P2);
    }
    const ref = this.referencedEf(c.p2);
    if (typeof ref === 'number') {
      return respond(ref);
    }
    if (ref.spec.type !== 'key') {
      return respond(SW.NO_EF_SELECTED);
    }
    const input = signatureInput(c.p1, c.data);
    if (!input || (c.le !== undefined && c.le < 256)) {
      return respond(SW.WRONG_LENGTH);
    }
    if (!this.#verified.has(ref.spec.pin)) {
      return respond(SW.SECURITY_STATUS_NOT_SATISFIED);
    }
    // PKCS#1 v1.5 type 1 padding over the input, done by the card (JPKI.md §1.2, CARD-MIDDLEWARE.md §3.3).
    const signature = privateEncrypt(
      { key: this.#keys[ref.spec.key], padding: constants.RSA_PKCS1_PADDING },
      input,
    );
    return respond(SW.OK, signature);
  }

  private matches(pin: PinStateJson, candidate: Uint8Array): boolean {
    const expected = Buffer.from(pin.hash, 'base64');
    const actual = hashPin(Buffer.from(pin.salt, 'base64'), candidate);
    return timingSafeEqual(expected, actual);
  }

  private clearVolatileState(): void {
    this.#currentAp = undefined;
    this.#currentEf = undefined;
    this.#verified.clear();
  }

  private persist(): void {
    if (this.#stateFile) {
      writeCardStateFile(this.#stateFile, this.serialise());
    }
  }

  private serialise(): CardStateJson {
    const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const files: Record<string, string> = {};
    for (const [id, content] of this.#files) {
      if (id !== FILE.tokenInfo) {
        files[id] = content.toString('base64');
      }
    }
    return {
      format: 'madoguchi-virtual-my-number-card',
      version: 1,
      isTestCard: true,
      keys: { sign: pem(this.#keys.sign), auth: pem(this.#keys.auth) },
      pins: {
        sign: { ...this.#pins.sign },
        auth: { ...this.#pins.auth },
        text: { ...this.#pins.text },
      },
      files,
    };
  }
}
