import { createHash, randomUUID } from 'node:crypto';
import type { TransferApplication } from '@madoguchi/transfer';

/**
 * A 粗大ごみ収集申込 (form sodai-gomi of the demo municipality) as the portal hands it over, with a one-page PDF map
 * attached. `answers` go between the applicant's name (which they may replace) and the map.
 */
export function sodaiGomiTransfer(
  overrides: Partial<TransferApplication> = {},
  answers: Record<string, unknown> = {},
): TransferApplication {
  const bytes = Buffer.from('%PDF-1.7\n地図\n');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const id = randomUUID();
  const attachmentId = randomUUID();
  return {
    id,
    receiptNumber: `R-${id.slice(0, 8).toUpperCase()}`,
    municipalityCode: '990019',
    formId: 'sodai-gomi',
    formVersion: 1,
    formSha256: 'f'.repeat(64),
    formTitle: { ja: '粗大ごみ収集申込' },
    answers: {
      name: { family: '山田', given: '花子', familyKana: 'ヤマダ', givenKana: 'ハナコ' },
      ...answers,
      map: [
        { id: attachmentId, name: '地図.pdf', type: 'application/pdf', size: bytes.length, sha256 },
      ],
    },
    attachments: [
      {
        id: attachmentId,
        fieldId: 'map',
        name: '地図.pdf',
        type: 'application/pdf',
        size: bytes.length,
        sha256,
        contentBase64: bytes.toString('base64'),
      },
    ],
    submittedAt: new Date().toISOString(),
    ...overrides,
  };
}
