import { CardError, CardTransport, PcscTransport } from '@madoguchi/jpki';
import { InProcessTransport, VirtualMyNumberCard } from '@madoguchi/virtual-card';
import { SignerError, SignerErrorCode } from './signer.error';

/** Where the card is: a PC/SC reader, a virtual card state file, or (tests) a ready transport. */
export type CardSource =
  | { kind: 'pcsc'; reader?: string; cardTimeoutMs?: number }
  | { kind: 'virtual'; file: string }
  | { kind: 'transport'; transport: CardTransport };

/**
 * Connects to the card. The virtual card keeps writing its counters to its state file (the file is the card), so a
 * wrong password spent here is spent for the next run too.
 */
export async function openCardTransport(source: CardSource): Promise<CardTransport> {
  switch (source.kind) {
    case 'transport':
      return source.transport;
    case 'virtual': {
      let card: VirtualMyNumberCard;
      try {
        card = VirtualMyNumberCard.open(source.file);
      } catch (error) {
        throw new SignerError(
          SignerErrorCode.VirtualCardFile,
          (error as Error).message,
          undefined,
          error,
        );
      }
      card.powerOn();
      return new InProcessTransport(card);
    }
    case 'pcsc':
      try {
        return await PcscTransport.connect({
          reader: source.reader,
          cardTimeoutMs: source.cardTimeoutMs,
        });
      } catch (error) {
        const why = error instanceof CardError ? error.message : String(error);
        throw new SignerError(SignerErrorCode.ReaderNotFound, why, undefined, error);
      }
  }
}
