import { CardError, CardErrorCode, CardTransport, toHex } from '@madoguchi/jpki';
import { VirtualMyNumberCard } from './virtual-my-number-card';

export interface InProcessTransportOptions {
  /** Let JpkiCard use extended-length APDUs (the virtual card decodes them). Default false. */
  supportsExtendedLength?: boolean;
  /** Keep a log of exchanged APDUs (hex) for tests; VERIFY / CHANGE data is masked (JPKI.md §6.12). */
  record?: boolean;
}

export interface ApduLogEntry {
  command: string;
  response: string;
}

const MASKED_INS = new Set([0x20, 0x24]);

function redact(apdu: Uint8Array): string {
  if (apdu.length > 5 && apdu[0] === 0x00 && MASKED_INS.has(apdu[1])) {
    return toHex(apdu.subarray(0, 5)) + '*'.repeat((apdu.length - 5) * 2);
  }
  return toHex(apdu);
}

/** A CardTransport straight into a VirtualMyNumberCard object (no reader, no middleware). */
export class InProcessTransport implements CardTransport {
  readonly supportsExtendedLength: boolean;
  readonly log: ApduLogEntry[] = [];
  private readonly isRecording: boolean;
  #apduCount = 0;
  #isClosed = false;

  constructor(
    private readonly card: VirtualMyNumberCard,
    options: InProcessTransportOptions = {},
  ) {
    this.supportsExtendedLength = options.supportsExtendedLength ?? false;
    this.isRecording = options.record ?? false;
  }

  /** Command APDUs transmitted so far. */
  get apduCount(): number {
    return this.#apduCount;
  }

  resetCount(): void {
    this.#apduCount = 0;
    this.log.length = 0;
  }

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.#isClosed) {
      return Promise.reject(new CardError(CardErrorCode.Transport, 'the transport is closed'));
    }
    this.#apduCount++;
    const response = this.card.transmit(apdu);
    if (this.isRecording) {
      this.log.push({ command: redact(apdu), response: toHex(response) });
    }
    return Promise.resolve(response);
  }

  close(): Promise<void> {
    this.#isClosed = true;
    return Promise.resolve();
  }
}
