import type { BlobStore } from '@madoguchi/common';
import type { SignatureVerifier } from '@madoguchi/pki';
import type { TransferApplication, TransferCardface } from '@madoguchi/transfer';
import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { ApplicationEntity } from '../database/entities/application.entity';
import { ApplicationIdentityEntity } from '../database/entities/application-identity.entity';
import { AttachmentEntity } from '../database/entities/attachment.entity';
import type { FormCatalog } from '../forms/form-catalog';
import { applicantNameOf } from '../search/applicant-name';
import { enteredBasicFour, identityDifferences } from './identity-comparison';
import { IntakeError, IntakeErrorCode } from './intake.error';
import { checkSignature } from './signature-check';

export type IntakeResult = 'stored' | 'duplicate';

/**
 * Stores one picked-up application. Bytes go to the blob store first, then application and attachment rows in
 * one transaction; the UNIQUE portal id makes a repeated pickup a no-op, so the caller may acknowledge either way.
 */
export class ApplicationIntakeService {
  constructor(
    private readonly db: DataSource,
    private readonly blobs: BlobStore,
    /** the back office's own trust (issue 4 §8); signed applications are re-verified with it */
    private readonly verifier?: SignatureVerifier,
    private readonly forms?: FormCatalog,
  ) {}

  async store(incoming: TransferApplication, now = new Date()): Promise<IntakeResult> {
    const applications = this.db.getRepository(ApplicationEntity);
    if (await applications.existsBy({ portalId: incoming.id })) {
      return 'duplicate';
    }
    checkShape(incoming);
    const applicationId = randomUUID();
    const attachments: AttachmentEntity[] = [];
    const identityBlobs: string[] = [];
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
      const identity = await this.identity(incoming, applicationId, identityBlobs);
      const form = this.forms?.find(incoming.municipalityCode, incoming.formId);
      const applicant = applicantNameOf(form, incoming.answers);
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
          assigneeId: null,
          correctsReceiptNumber: incoming.corrects ?? null,
          correctedByReceiptNumber: null,
          // what the list page filters and searches by (issue 5 §5); NULL department: form not in the catalog
          department: form?.department.ja ?? null,
          applicantName: applicant.display,
          searchName: applicant.searchName,
          searchKana: applicant.searchKana,
        });
        if (incoming.corrects) {
          await linkCorrection(em, incoming, now);
        }
        if (attachments.length > 0) {
          await em.insert(AttachmentEntity, attachments);
        }
        if (identity) {
          await em.save(ApplicationIdentityEntity, identity);
        }
      });
      return 'stored';
    } catch (e) {
      await Promise.all(
        [...attachments.map((a) => a.blobKey), ...identityBlobs].map((k) => this.blobs.delete(k)),
      );
      // another instance (or an earlier, interrupted run of this one) stored it meanwhile
      if (!(e instanceof IntakeError) && (await applications.existsBy({ portalId: incoming.id }))) {
        return 'duplicate';
      }
      throw e;
    }
  }

  /**
   * The identity record: document and .p7s to the blob store (keys pushed to `blobKeys` for the caller's cleanup),
   * the back office's own verdict, and the differences between certified, entered and card-face details. A failed
   * verification is stored too (nothing is lost), with its verdict; it is never shown as verified.
   */
  private async identity(
    incoming: TransferApplication,
    applicationId: string,
    blobKeys: string[],
  ): Promise<ApplicationIdentityEntity | null> {
    const received = incoming.identity;
    if (!received || (!received.signature && !received.cardface)) {
      return null;
    }
    const cardface = cardfaceView(received.cardface);
    const record: ApplicationIdentityEntity = {
      applicationId,
      cardface,
      isSigned: false,
      documentBlobKey: null,
      documentSha256: null,
      cmsBlobKey: null,
      cmsSha256: null,
      indication: null,
      subIndication: null,
      checks: null,
      chain: null,
      evidence: null,
      certified: null,
      signingTime: null,
      validatedAt: null,
      portalReport: null,
      differences: [],
    };
    const signature = received.signature;
    if (!signature) {
      return record;
    }
    const document = await this.blobs.put(Buffer.from(signature.document, 'utf8'));
    blobKeys.push(document.key);
    const cms = await this.blobs.put(Buffer.from(signature.cms, 'base64'));
    blobKeys.push(cms.key);
    const verdict = this.verifier ? await checkSignature(this.verifier, incoming, signature) : null;
    const form = this.forms?.find(incoming.municipalityCode, incoming.formId);
    const certified = verdict?.certified ?? null;
    return {
      ...record,
      isSigned: true,
      documentBlobKey: document.key,
      documentSha256: document.sha256,
      cmsBlobKey: cms.key,
      cmsSha256: cms.sha256,
      // without a verifier nothing was checked: INDETERMINATE, never passed
      indication: verdict?.indication ?? 'INDETERMINATE',
      subIndication: verdict ? verdict.subIndication : 'NO_CERTIFICATE_CHAIN_FOUND',
      checks: verdict?.checks ?? [],
      chain: verdict?.chain ?? [],
      evidence: {
        backoffice: verdict?.evidence ?? { ocsp: [], crl: [] },
        portal: {
          ocsp: Array.isArray(signature.evidence?.ocsp) ? signature.evidence.ocsp : [],
          crl: Array.isArray(signature.evidence?.crl) ? signature.evidence.crl : [],
        },
      },
      certified,
      signingTime: verdict?.signingTime ?? null,
      validatedAt: verdict?.validatedAt ?? null,
      portalReport:
        typeof signature.report === 'object' && signature.report !== null
          ? (signature.report as Record<string, unknown>)
          : null,
      differences: identityDifferences(
        certified,
        enteredBasicFour(form, incoming.answers),
        cardface,
      ),
    };
  }
}

/**
 * The returned application stays 差戻し, marked as corrected by this one (staff see the link both ways, and its
 * status no longer moves: the review goes on with the correction). Only a returned application of the same
 * municipality and form, not corrected yet, is marked; the portal proved the resident held its status secret.
 */
async function linkCorrection(em: EntityManager, a: TransferApplication, now: Date): Promise<void> {
  await em
    .createQueryBuilder()
    .update(ApplicationEntity)
    .set({ correctedByReceiptNumber: a.receiptNumber, updatedAt: now })
    .where(
      'receipt_number = :first AND municipality_code = :code AND form_id = :form AND status = :returned AND corrected_by_receipt_number IS NULL',
      { first: a.corrects, code: a.municipalityCode, form: a.formId, returned: 'returned' },
    )
    .execute();
}

function cardfaceView(c: TransferCardface | null | undefined) {
  if (!c || typeof c !== 'object') {
    return null;
  }
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 500) : undefined);
  return {
    name: text(c.name),
    address: text(c.address),
    birthdate: text(c.birthdate),
    sex: text(c.sex),
    readAt: text(c.readAt),
  };
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
  if (a.corrects !== undefined && a.corrects !== null && !isText(a.corrects, 64)) {
    problems.push('corrects');
  }
  const signature = a.identity?.signature;
  if (
    signature &&
    (typeof signature.document !== 'string' ||
      typeof signature.cms !== 'string' ||
      typeof signature.documentSha256 !== 'string')
  ) {
    problems.push('identity.signature');
  }
  if (problems.length > 0) {
    throw new IntakeError(
      IntakeErrorCode.Malformed,
      `application ${String(a.id)} from the portal is malformed: ${problems.join(', ')}`,
    );
  }
}
