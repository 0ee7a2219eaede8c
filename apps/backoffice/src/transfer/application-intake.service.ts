import type { BlobStore } from '@madoguchi/common';
import type { TransferApplication } from '@madoguchi/transfer';
import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApplicationEntity } from '../database/entities/application.entity';
import { AttachmentEntity } from '../database/entities/attachment.entity';
import { IntakeError, IntakeErrorCode } from './intake.error';

export type IntakeResult = 'stored' | 'duplicate';

/**
 * Stores one picked-up application. Bytes go to the blob store first, then application and attachment rows in
 * one transaction; the UNIQUE portal id makes a repeated pickup a no-op, so the caller may acknowledge either way.
 */
export class ApplicationIntakeService {
  constructor(
    private readonly db: DataSource,
    private readonly blobs: BlobStore,
  ) {}

  async store(incoming: TransferApplication, now = new Date()): Promise<IntakeResult> {
    const applications = this.db.getRepository(ApplicationEntity);
    if (await applications.existsBy({ portalId: incoming.id })) {
      return 'duplicate';
    }
    checkShape(incoming);
    const applicationId = randomUUID();
    const attachments: AttachmentEntity[] = [];
    try {
      for (const a of incoming.attachments) {
        const bytes = Buffer.from(a.contentBase64, 'base64');
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (sha256 !== a.sha256.toLowerCase() || bytes.length !== a.size) {
          throw new IntakeError(
            IntakeErrorCode.AttachmentMismatch,
            `attachment ${a.id} of ${incoming.receiptNumber} does not match its SHA-256 or size`,
          );
        }
        const { key } = await this.blobs.put(bytes);
        attachments.push({
          id: randomUUID(),
          applicationId,
          portalAttachmentId: a.id,
          fieldId: a.fieldId,
          fileName: a.name,
          mediaType: a.type,
          size: a.size,
          sha256,
          blobKey: key,
        });
      }
      await this.db.transaction(async (em) => {
        await em.insert(ApplicationEntity, {
          id: applicationId,
          portalId: incoming.id,
          receiptNumber: incoming.receiptNumber,
          municipalityCode: incoming.municipalityCode,
          formId: incoming.formId,
          formVersion: incoming.formVersion,
          formSha256: incoming.formSha256,
          titleJa: incoming.formTitle.ja,
          titleEn: incoming.formTitle.en ?? null,
          answers: incoming.answers,
          status: 'received',
          statusVersion: 0,
          submittedAt: new Date(incoming.submittedAt),
          receivedAt: now,
          updatedAt: now,
        });
        if (attachments.length > 0) {
          await em.insert(AttachmentEntity, attachments);
        }
      });
      return 'stored';
    } catch (e) {
      await Promise.all(attachments.map((a) => this.blobs.delete(a.blobKey)));
      // another instance (or an earlier, interrupted run of this one) stored it meanwhile
      if (!(e instanceof IntakeError) && (await applications.existsBy({ portalId: incoming.id }))) {
        return 'duplicate';
      }
      throw e;
    }
  }
}

function checkShape(a: TransferApplication): void {
  const problems: string[] = [];
  const isText = (v: unknown, max: number) =>
    typeof v === 'string' && v.length > 0 && v.length <= max;
  if (!isText(a.id, 64)) {
    problems.push('id');
  }
  if (!isText(a.receiptNumber, 64)) {
    problems.push('receiptNumber');
  }
  if (typeof a.municipalityCode !== 'string' || !/^\d{6}$/.test(a.municipalityCode)) {
    problems.push('municipalityCode');
  }
  if (!isText(a.formId, 100) || !Number.isInteger(a.formVersion)) {
    problems.push('form');
  }
  if (typeof a.formTitle?.ja !== 'string') {
    problems.push('formTitle');
  }
  if (Number.isNaN(new Date(a.submittedAt).getTime())) {
    problems.push('submittedAt');
  }
  if (typeof a.answers !== 'object' || a.answers === null || !Array.isArray(a.attachments)) {
    problems.push('answers/attachments');
  }
  if (problems.length > 0) {
    throw new IntakeError(
      IntakeErrorCode.Malformed,
      `application ${String(a.id)} from the portal is malformed: ${problems.join(', ')}`,
    );
  }
}
