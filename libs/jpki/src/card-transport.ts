import { CommandApdu, ResponseApdu } from './apdu';
import { CardError, CardErrorCode } from './card.error';

/**
 * What carries APDUs to a card: PC/SC, NFC, or the in-process virtual card.
 * transmit takes a raw command APDU and resolves to the raw response (data ‖ SW1 SW2). It rejects
 * (preferably with CardError TRANSPORT) when the card is removed or the reader is gone.
 */
export interface CardTransport {
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /** Extended-length APDUs are used only when this is true (JPKI.md §1.3, §6.6). */
  readonly supportsExtendedLength?: boolean;
  close?(): Promise<void>;
}

const GET_RESPONSE_LIMIT = 64;

/** INS bytes whose command must never be sent twice: a repeat could spend a PIN try (JPKI.md §2, §6.4). */
const NEVER_REPEAT_INS = new Set([0x20, 0x24]);

function insName(command: CommandApdu): string {
  return `${command.cla.toString(16).padStart(2, '0')} ${command.ins.toString(16).padStart(2, '0')}`;
}

async function rawTransmit(transport: CardTransport, command: CommandApdu): Promise<ResponseApdu> {
  const raw = command.encode({
    extended: !command.fitsShort && transport.supportsExtendedLength === true,
  });
  let response: Uint8Array;
  try {
    response = await transport.transmit(raw);
  } catch (error) {
    if (error instanceof CardError) {
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new CardError(
      CardErrorCode.Transport,
      `transport failed during ${insName(command)}: ${message}`,
      { command: insName(command) },
      error,
    );
  }
  return ResponseApdu.parse(response);
}

/**
 * Sends one command and resolves the ISO 7816-4 transport-level statuses in one place:
 * 61xx → GET RESPONSE (00 C0 00 00 xx) until all data is collected; 6Cxx → resend with Le = xx
 * (JPKI.md §1.2, defensive). A VERIFY / CHANGE REFERENCE DATA is never resent. Transport errors are
 * never retried here.
 */
export async function exchange(
  transport: CardTransport,
  command: CommandApdu,
): Promise<ResponseApdu> {
  let response = await rawTransmit(transport, command);
  if (response.sw1 === 0x6c && !NEVER_REPEAT_INS.has(command.ins)) {
    response = await rawTransmit(
      transport,
      command.withLe(response.sw2 === 0 ? 256 : response.sw2),
    );
  }
  if (response.sw1 !== 0x61) {
    return response;
  }
  const chunks: Uint8Array[] = [response.data];
  for (let i = 0; i < GET_RESPONSE_LIMIT && response.sw1 === 0x61; i++) {
    const le = response.sw2 === 0 ? 256 : response.sw2;
    response = await rawTransmit(transport, CommandApdu.of(0x00, 0xc0, 0x00, 0x00, undefined, le));
    chunks.push(response.data);
  }
  if (response.sw1 === 0x61) {
    throw new CardError(CardErrorCode.UnexpectedStatus, 'GET RESPONSE did not terminate');
  }
  return new ResponseApdu(Buffer.concat(chunks), response.sw1, response.sw2);
}
