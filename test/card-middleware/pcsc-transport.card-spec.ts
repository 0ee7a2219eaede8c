import { X509Certificate, createHash, verify } from 'node:crypto';
import {
  CardError,
  CardErrorCode,
  JpkiCard,
  PcscTransport,
  listPcscReaders,
  sha256DigestInfo,
} from '@madoguchi/jpki';
import { cm, issued, storedTriesLeft } from './card-middleware.env';

// Our own libs/jpki over PC/SC: PcscTransport → pcscd → vpcd → the card `virtual-card serve` offers on reader 0.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('libs/jpki PcscTransport + JpkiCard through pcscd and vpcd', () => {
  let transport: PcscTransport;
  let sut: JpkiCard;

  beforeAll(async () => {
    transport = await PcscTransport.connect({ reader: cm.reader0, cardTimeoutMs: 10_000 });
    sut = new JpkiCard(transport);
  });

  afterAll(async () => {
    await sut.close();
  });

  it('lists both vpcd readers and sees the card in the first', async () => {
    // Our connection is exclusive; listing only reads the reader states.
    const readers = await listPcscReaders();
    expect(readers.map((r) => r.name)).toEqual([cm.reader0, cm.reader1]);
    const first = readers.find((r) => r.name === cm.reader0);
    expect(first?.hasCard).toBe(true);
    expect(hex(first?.atr ?? new Uint8Array())).toBe('3be000ff8131fe4514');
  });

  it('connected with T=1 to the JPKI ATR (JPKI.md §1.4)', () => {
    expect(transport.readerName).toBe(cm.reader0);
    expect(transport.protocol).toBe(2); // SCARD_PROTOCOL_T1
    expect(hex(transport.atr)).toBe('3be000ff8131fe4514');
    expect(transport.supportsExtendedLength).toBe(false);
  });

  it('reads every tries-left counter without spending one', async () => {
    const stored = storedTriesLeft();
    await expect(sut.signPasswordTriesLeft()).resolves.toBe(stored.sign);
    await expect(sut.authPinTriesLeft()).resolves.toBe(stored.auth);
    await expect(sut.textPinTriesLeft()).resolves.toBe(stored.text);
    expect(storedTriesLeft()).toEqual(stored);
  });

  it('a wrong signing password is WRONG_PIN with one try fewer, on the card and in its state file', async () => {
    const before = storedTriesLeft().sign;
    const failure = sut.verifySignPassword('NOTMYPASSWORD1');
    await expect(failure).rejects.toBeInstanceOf(CardError);
    await expect(failure).rejects.toMatchObject({
      code: CardErrorCode.WrongPin,
      triesLeft: before - 1,
    });
    expect(storedTriesLeft().sign).toBe(before - 1);
    await expect(sut.signPasswordTriesLeft()).resolves.toBe(before - 1);
    // JPKI.md §1.1: EF 0001 stays closed without a successful VERIFY of the signing password.
    await expect(sut.readSigningCertificate()).rejects.toMatchObject({
      code: CardErrorCode.SecurityStatusNotSatisfied,
    });
  });

  it('verifies the signing password, reads the signing certificate as issued, and signs', async () => {
    await sut.verifySignPassword(cm.signPassword);
    expect(storedTriesLeft().sign).toBe(5);
    const certificate = await sut.readSigningCertificate();
    expect(certificate.equals(issued('signCert'))).toBe(true);
    const message = Buffer.from('転入届 2026-11-23', 'utf8');
    const signature = await sut.signWithSigningKey(
      sha256DigestInfo(createHash('sha256').update(message).digest()),
    );
    expect(signature).toHaveLength(256);
    expect(verify('sha256', message, new X509Certificate(certificate).publicKey, signature)).toBe(
      true,
    );
  });

  it('reads the authentication and CA certificates as issued', async () => {
    await expect(sut.readAuthCertificate()).resolves.toEqual(issued('authCert'));
    await expect(sut.readAuthCaCertificate()).resolves.toEqual(issued('authCa'));
    await expect(sut.readSigningCaCertificate()).resolves.toEqual(issued('signCa'));
  });

  it('signs with the authentication key after the PIN', async () => {
    await sut.verifyAuthPin(cm.authPin);
    const challenge = Buffer.from('challenge-0001');
    const signature = await sut.signWithAuthKey(
      sha256DigestInfo(createHash('sha256').update(challenge).digest()),
    );
    expect(
      verify('sha256', challenge, new X509Certificate(issued('authCert')).publicKey, signature),
    ).toBe(true);
  });

  it('reads the basic four from the card-input-helper AP after its PIN (JPKI.md §3.1)', async () => {
    await expect(sut.readBasicFour()).rejects.toMatchObject({
      code: CardErrorCode.SecurityStatusNotSatisfied,
    });
    await sut.verifyTextPin(cm.textPin);
    await expect(sut.readBasicFour()).resolves.toEqual(cm.basicFour);
  });

  it('reads the token label of a plastic card', async () => {
    await expect(sut.readTokenLabel()).resolves.toBe('JPKIAPICCTOKEN2');
  });
});
