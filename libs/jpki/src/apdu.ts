import { CardError, CardErrorCode } from './card.error';
import { swHex } from './status-word';

const EMPTY = new Uint8Array(0);

export interface CommandApduFields {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  /** Expected response length, 1..65536; undefined = no Le field (cases 1 and 3). 256 is short Le `00`. */
  le?: number;
}

export interface EncodeOptions {
  /** Use extended length fields (only when the transport says it supports them; JPKI.md §6.6). */
  extended?: boolean;
}

function byte(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new CardError(CardErrorCode.InvalidArgument, `${name} must be a byte, got ${value}`);
  }
  return value;
}

/** ISO 7816-4 §5.1 command APDU, cases 1–4, short and extended. */
export class CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data: Uint8Array;
  readonly le: number | undefined;
  /** Set by decode when the raw command used extended length fields. */
  readonly isExtended: boolean;

  constructor(fields: CommandApduFields, isExtended = false) {
    this.cla = byte(fields.cla, 'CLA');
    this.ins = byte(fields.ins, 'INS');
    this.p1 = byte(fields.p1, 'P1');
    this.p2 = byte(fields.p2, 'P2');
    this.data = fields.data ?? EMPTY;
    if (this.data.length > 65535) {
      throw new CardError(CardErrorCode.InvalidArgument, 'command data longer than 65535 bytes');
    }
    if (
      fields.le !== undefined &&
      (!Number.isInteger(fields.le) || fields.le < 1 || fields.le > 65536)
    ) {
      throw new CardError(CardErrorCode.InvalidArgument, `Le must be 1..65536, got ${fields.le}`);
    }
    this.le = fields.le;
    this.isExtended = isExtended;
  }

  static of(cla: number, ins: number, p1: number, p2: number, data?: Uint8Array, le?: number) {
    return new CommandApdu({ cla, ins, p1, p2, data, le });
  }

  /** ISO 7816-4 case number: 1 (no data, no Le), 2 (Le), 3 (data), 4 (data and Le). */
  get case(): 1 | 2 | 3 | 4 {
    if (this.data.length === 0) {
      return this.le === undefined ? 1 : 2;
    }
    return this.le === undefined ? 3 : 4;
  }

  /** Whether this command fits short length fields (Lc ≤ 255, Le ≤ 256). */
  get fitsShort(): boolean {
    return this.data.length <= 255 && (this.le === undefined || this.le <= 256);
  }

  withLe(le: number | undefined): CommandApdu {
    return new CommandApdu({ ...this, le });
  }

  encode(options: EncodeOptions = {}): Uint8Array {
    const extended = options.extended === true;
    if (!extended && !this.fitsShort) {
      throw new CardError(
        CardErrorCode.InvalidArgument,
        `command needs extended length (Lc ${this.data.length}, Le ${this.le}) but it was not enabled`,
      );
    }
    const out: number[] = [this.cla, this.ins, this.p1, this.p2];
    if (!extended) {
      if (this.data.length > 0) {
        out.push(this.data.length, ...this.data);
      }
      if (this.le !== undefined) {
        out.push(this.le & 0xff); // 256 → 00
      }
      return Uint8Array.from(out);
    }
    // ISO 7816-4 §5.1: extended Lc is 00 LL LL; extended Le is LL LL after Lc, or 00 LL LL alone.
    if (this.data.length > 0) {
      out.push(0, this.data.length >> 8, this.data.length & 0xff, ...this.data);
    }
    if (this.le !== undefined) {
      const le = this.le & 0xffff; // 65536 → 00 00
      if (this.data.length === 0) {
        out.push(0);
      }
      out.push(le >> 8, le & 0xff);
    }
    return Uint8Array.from(out);
  }

  /** Decodes a raw command (used by the card). Throws CardError MALFORMED_APDU on bad length fields. */
  static decode(raw: Uint8Array): CommandApdu {
    const n = raw.length;
    const malformed = (why: string) =>
      new CardError(CardErrorCode.MalformedApdu, `malformed command APDU (${n} bytes): ${why}`);
    if (n < 4) {
      throw malformed('shorter than a header');
    }
    const [cla, ins, p1, p2] = raw;
    const header = { cla, ins, p1, p2 };
    if (n === 4) {
      return new CommandApdu(header);
    }
    const b4 = raw[4];
    if (n === 5) {
      return new CommandApdu({ ...header, le: b4 === 0 ? 256 : b4 });
    }
    if (b4 !== 0) {
      if (n === 5 + b4) {
        return new CommandApdu({ ...header, data: raw.slice(5) });
      }
      if (n === 6 + b4) {
        const le = raw[n - 1];
        return new CommandApdu({ ...header, data: raw.slice(5, n - 1), le: le === 0 ? 256 : le });
      }
      throw malformed(`Lc ${b4} does not match the length`);
    }
    if (n === 6) {
      throw malformed('extended length field truncated');
    }
    const x = (raw[5] << 8) | raw[6];
    if (n === 7) {
      return new CommandApdu({ ...header, le: x === 0 ? 65536 : x }, true);
    }
    if (x === 0) {
      throw malformed('extended Lc of 0');
    }
    if (n === 7 + x) {
      return new CommandApdu({ ...header, data: raw.slice(7) }, true);
    }
    if (n === 9 + x) {
      const le = (raw[n - 2] << 8) | raw[n - 1];
      return new CommandApdu(
        { ...header, data: raw.slice(7, n - 2), le: le === 0 ? 65536 : le },
        true,
      );
    }
    throw malformed(`extended Lc ${x} does not match the length`);
  }
}

/** A response APDU: data ‖ SW1 SW2. */
export class ResponseApdu {
  constructor(
    readonly data: Uint8Array,
    readonly sw1: number,
    readonly sw2: number,
  ) {}

  static of(data: Uint8Array, sw: number): ResponseApdu {
    return new ResponseApdu(data, (sw >> 8) & 0xff, sw & 0xff);
  }

  static parse(raw: Uint8Array): ResponseApdu {
    if (raw.length < 2) {
      throw new CardError(
        CardErrorCode.Transport,
        `response of ${raw.length} bytes has no status word (card removed?)`,
      );
    }
    return new ResponseApdu(raw.slice(0, -2), raw[raw.length - 2], raw[raw.length - 1]);
  }

  get sw(): number {
    return (this.sw1 << 8) | this.sw2;
  }

  get isOk(): boolean {
    return this.sw === 0x9000;
  }

  encode(): Uint8Array {
    const out = new Uint8Array(this.data.length + 2);
    out.set(this.data);
    out[this.data.length] = this.sw1;
    out[this.data.length + 1] = this.sw2;
    return out;
  }

  toString(): string {
    return `${this.data.length} bytes, SW ${swHex(this.sw)}`;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('hex')
    .toUpperCase();
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:]/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) {
    throw new CardError(CardErrorCode.InvalidArgument, `not a hex string: ${hex}`);
  }
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}
