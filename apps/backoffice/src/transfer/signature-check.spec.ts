import { SignatureVerifier, type RevocationSource } from '@madoguchi/pki';
import type { TransferApplication } from '@madoguchi/transfer';
import { createHash } from 'node:crypto';
import { checkSignature } from './signature-check';

const unreachable: RevocationSource = {
  check: () =>
    Promise.resolve({
      status: 'unavailable',
      evidence: { ocspResponses: [], crls: [] },
      attempts: [],
    }),
};

const document = JSON.stringify({
  municipalityCode: '990019',
  form: { id: 'f', version: 1, sha256: 'a'.repeat(64) },
  answers: { purpose: '年金' },
  attachments: [],
});

function incoming(answers: Record<string, string>): TransferApplication {
  return {
    id: 'p1',
    receiptNumber: 'R-1',
    municipalityCode: '990019',
    formId: 'f',
    formVersion: 1,
    formSha256: 'a'.repeat(64),
    formTitle: { ja: 'テスト' },
    answers,
    attachments: [],
    submittedAt: new Date().toISOString(),
  };
}

describe('checkSignature', () => {
  const sut = new SignatureVerifier({ trustAnchors: [], revocation: unreachable });
  const sha256 = createHash('sha256').update(document).digest('hex');

  it('answers garbage CMS with a TOTAL-FAILED verdict, never an exception', async () => {
    const verdict = await checkSignature(sut, incoming({ purpose: '年金' }), {
      document,
      documentSha256: sha256,
      cms: Buffer.from('not a cms').toString('base64'),
      report: { indication: 'TOTAL-PASSED' },
      evidence: {},
    });
    expect(verdict).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'FORMAT_FAILURE' });
    expect(verdict.checks.map((c) => [c.check, c.status])).toEqual([
      ['DOCUMENT_SHA256', 'PASSED'],
      ['CONTENT', 'PASSED'],
      ['SIGNATURE', 'FAILED'],
    ]);
  });

  it('fails CONTENT when the stored answers are not the signed ones, and DOCUMENT_SHA256 on other bytes', async () => {
    const verdict = await checkSignature(sut, incoming({ purpose: '別の目的' }), {
      document,
      documentSha256: 'b'.repeat(64),
      cms: '',
      report: null,
      evidence: {},
    });
    expect(verdict.indication).toBe('TOTAL-FAILED');
    expect(verdict.checks.slice(0, 2)).toEqual([
      expect.objectContaining({
        check: 'DOCUMENT_SHA256',
        status: 'FAILED',
        subIndication: 'HASH_FAILURE',
      }),
      expect.objectContaining({
        check: 'CONTENT',
        status: 'FAILED',
        reason: expect.stringContaining('answers'),
      }),
    ]);
  });
});
