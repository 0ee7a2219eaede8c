import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import {
  CardError,
  CardErrorCode,
  CardTransport,
  JpkiCard,
  sha256DigestInfo,
} from '@madoguchi/jpki';
import { InProcessTransport } from './in-process.transport';
import { parseJpkiSigningCertificate } from './jlis';
import {
  createIssuedTestCard,
  TEST_BASIC_FOUR,
  TEST_SECRETS,
} from './testing/virtual-card.factory';
import { VirtualMyNumberCard } from './virtual-my-number-card';

// RSA-2048 key generation (the card's and, once per process, the simulated J-LIS's) is slow on CI.
jest.setTimeout(60_000);

describe('JpkiCard → InProcessTransport → VirtualMyNumberCard', () => {
  let card: VirtualMyNumberCard;
  let issued: Awaited<ReturnType<typeof createIssuedTestCard>>['issued'];
  let transport: InProcessTransport;
  let sut: JpkiCard;

  beforeAll(async () => {
    ({ card, issued } = await createIssuedTestCard());
  });

  beforeEach(() => {
    card.reset();
    transport = new InProcessTransport(card, { record: true });
    sut = new JpkiCard(transport);
  });

  it('reads the free certificates byte for byte in short chunks', async () => {
    await expect(sut.readAuthCertificate()).resolves.toEqual(issued.authCert);
    await expect(sut.readAuthCaCertificate()).resolves.toEqual(issued.authCa);
    await expect(sut.readSigningCaCertificate()).resolves.toEqual(issued.signCa);
    expect(transport.log.every((e) => e.command.length <= 2 * 261)).toBe(true);
    expect(issued.authCert.length).toBeGreaterThan(1000);
  });

  it('reads the signing certificate only after the signing password', async () => {
    await expect(sut.readSigningCertificate()).rejects.toMatchObject({
      code: CardErrorCode.SecurityStatusNotSatisfied,
    });
    await sut.verifySignPassword(TEST_SECRETS.signPassword.toLowerCase());
    const der = await sut.readSigningCertificate();
    expect(der).toEqual(issued.signCert);
    expect(new X509Certificate(der).subject).toContain('C=JP');
  });

  it('signs a SHA-256 DigestInfo; the signature verifies with the certificate key', async () => {
    const document = Buffer.from('住民票の写し交付申請書');
    const digestInfo = sha256DigestInfo(createHash('sha256').update(document).digest());
    await expect(sut.signWithSigningKey(digestInfo)).rejects.toMatchObject({
      code: CardErrorCode.SecurityStatusNotSatisfied,
    });
    await sut.verifySignPassword(TEST_SECRETS.signPassword);
    const signature = await sut.signWithSigningKey(digestInfo);
    expect(signature).toHaveLength(256);
    const certKey = new X509Certificate(issued.signCert).publicKey;
    expect(verify('sha256', document, certKey, signature)).toBe(true);
    const cardKey = createPublicKey({ key: card.publicKeys().sign, format: 'der', type: 'spki' });
    expect(verify('sha256', document, cardKey, signature)).toBe(true);
  });

  it('signs with the authentication key after the auth PIN', async () => {
    const digestInfo = sha256DigestInfo(createHash('sha256').update('challenge').digest());
    await sut.verifyAuthPin(TEST_SECRETS.authPin);
    const signature = await sut.signWithAuthKey(digestInfo);
    const authKey = new X509Certificate(issued.authCert).publicKey;
    expect(verify('sha256', Buffer.from('challenge'), authKey, signature)).toBe(true);
  });

  it('reads the basic four; they match the signing certificate J-LIS issued', async () => {
    await expect(sut.readBasicFour()).rejects.toMatchObject({
      code: CardErrorCode.SecurityStatusNotSatisfied,
    });
    await sut.verifyTextPin(TEST_SECRETS.textPin);
    const basicFour = await sut.readBasicFour();
    expect(basicFour).toEqual(TEST_BASIC_FOUR);
    await sut.verifySignPassword(TEST_SECRETS.signPassword); // switches back to the JPKI AP
    const fromCert = parseJpkiSigningCertificate(await sut.readSigningCertificate());
    expect(fromCert).toMatchObject({
      name: basicFour.name,
      address: basicFour.address,
      birthdate: basicFour.birthdate,
      sex: basicFour.sex,
    });
  });

  it('reports tries left without spending any', async () => {
    await expect(sut.signPasswordTriesLeft()).resolves.toBe(5);
    await expect(sut.authPinTriesLeft()).resolves.toBe(3);
    await expect(sut.textPinTriesLeft()).resolves.toBe(3);
    await expect(sut.signPasswordTriesLeft()).resolves.toBe(5);
  });

  it('reads the token label of a plastic card', async () => {
    await expect(sut.readTokenLabel()).resolves.toBe('JPKIAPICCTOKEN2');
  });

  it('sends nothing for a password outside the rules', async () => {
    await expect(sut.verifySignPassword('short')).rejects.toMatchObject({
      code: CardErrorCode.InvalidPinFormat,
    });
    expect(transport.apduCount).toBe(0);
  });

  it('counts wrong tries, blocks, and maps the status words to typed errors', async () => {
    const { card: fresh } = await createIssuedTestCard();
    const jpki = new JpkiCard(new InProcessTransport(fresh));
    await expect(jpki.verifyAuthPin('0000')).rejects.toMatchObject({
      code: CardErrorCode.WrongPin,
      details: { triesLeft: 2 },
    });
    await expect(jpki.verifyAuthPin('0000')).rejects.toMatchObject({ details: { triesLeft: 1 } });
    await expect(jpki.verifyAuthPin('0000')).rejects.toMatchObject({
      code: CardErrorCode.WrongPin,
      details: { triesLeft: 0 },
    });
    await expect(jpki.verifyAuthPin(TEST_SECRETS.authPin)).rejects.toMatchObject({
      code: CardErrorCode.PinBlocked,
    });
    await expect(jpki.authPinTriesLeft()).resolves.toBe(0);
  });

  it('does not resend a VERIFY whose answer was lost; exactly one try is spent', async () => {
    const { card: fresh } = await createIssuedTestCard();
    const inner = new InProcessTransport(fresh, { record: true });
    // The card executes the VERIFY, then the link drops before the answer arrives.
    const lossy: CardTransport = {
      async transmit(apdu) {
        const response = await inner.transmit(apdu);
        if (apdu[1] === 0x20 && apdu.length > 4) {
          throw new Error('reader unplugged');
        }
        return response;
      },
    };
    const jpki = new JpkiCard(lossy);
    const error: unknown = await jpki.verifySignPassword('WRONG1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CardError);
    expect((error as CardError).code).toBe(CardErrorCode.Transport);
    expect(inner.log.filter((e) => e.command.startsWith('00200080')).length).toBe(1);
    expect(inner.log.find((e) => e.command.startsWith('0020008006'))?.command).toBe(
      '0020008006************',
    );
    expect(fresh.describe().triesLeft.sign).toBe(4);
  });

  it('sends only short APDUs even when the transport supports extended length (JPKI.md §6.6)', async () => {
    const extended = new InProcessTransport(card, { supportsExtendedLength: true, record: true });
    const jpki = new JpkiCard(extended);
    await expect(jpki.readAuthCertificate()).resolves.toEqual(issued.authCert);
    await jpki.verifyAuthPin(TEST_SECRETS.authPin);
    await jpki.signWithAuthKey(sha256DigestInfo(createHash('sha256').update('x').digest()));
    const isExtendedForm = (hex: string) => hex.length > 10 && hex.slice(8, 10) === '00';
    expect(extended.log.length).toBeGreaterThan(5);
    expect(extended.log.filter((e) => isExtendedForm(e.command))).toEqual([]);
  });

  it('fails with TRANSPORT once the transport is closed', async () => {
    await sut.close();
    await expect(sut.readAuthCertificate()).rejects.toMatchObject({
      code: CardErrorCode.Transport,
    });
  });
});
