import { webcrypto } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as pkijs from 'pkijs';
import { rsaSpki, tempDir } from './jlis.test-helpers';
import { SimulatedJlis } from './simulated-jlis';

jest.setTimeout(60_000);

const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto });
const cert = (der: Buffer) => pkijs.Certificate.fromBER(der);

describe('SimulatedJlis output read by pkijs (what libs/pki verifies with)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('validates the signing chain to the root with the CRL, then fails once revoked', async () => {
    const jlis = await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:3002' });
    const card = await jlis.issueCard({
      name: '田中　三郎',
      address: '福岡県福岡市中央区天神１丁目',
      birthdate: '19751231',
      sex: '1',
      signPublicKey: rsaSpki(),
      authPublicKey: rsaSpki(),
    });
    const anchors = jlis.trustAnchors();
    const validate = async () => {
      const sut = new pkijs.CertificateChainValidationEngine({
        trustedCerts: [cert(anchors.root)],
        certs: [cert(anchors.signCa), cert(card.signCert)],
        crls: [
          pkijs.CertificateRevocationList.fromBER(await jlis.crl('sign')),
          pkijs.CertificateRevocationList.fromBER(await jlis.crl('root')),
        ],
      });
      return sut.verify({}, engine);
    };

    await expect(validate()).resolves.toMatchObject({ result: true });
    await jlis.revoke(card.signSerial, 'superseded');
    await expect(validate()).resolves.toMatchObject({ result: false });
  });

  it('produces OCSP responses whose signature pkijs verifies against the delegated responder', async () => {
    const jlis = await SimulatedJlis.open(dir);
    const card = await jlis.issueCard({
      name: '田中　三郎',
      address: '福岡県福岡市中央区天神１丁目',
      birthdate: '19751231',
      sex: '1',
      signPublicKey: rsaSpki(),
      authPublicKey: rsaSpki(),
    });
    const anchors = jlis.trustAnchors();
    const request = new pkijs.OCSPRequest();
    await request.createForCertificate(
      cert(card.signCert),
      { hashAlgorithm: 'SHA-256', issuerCertificate: cert(anchors.signCa) },
      engine,
    );
    const response = pkijs.OCSPResponse.fromBER(
      await jlis.respondOcsp(Buffer.from(request.toSchema(true).toBER())),
    );
    const basic = pkijs.BasicOCSPResponse.fromBER(
      response.responseBytes!.response.valueBlock.valueHexView,
    );

    expect(response.responseStatus.valueBlock.valueDec).toBe(0);
    await expect(
      basic.verify({ trustedCerts: [cert(anchors.root), cert(anchors.signCa)] }, engine),
    ).resolves.toBe(true);
    await expect(
      basic.getCertificateStatus(cert(card.signCert), cert(anchors.signCa), engine),
    ).resolves.toEqual({ isForCertificate: true, status: 0 });
  });
});
