import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUTOFILL_KEYS } from '@madoguchi/forms';
import {
  assembleSignature,
  extractCertifiedBasicFour,
  prepareSignature,
  type SubIndication,
  type TrustStore,
} from '@madoguchi/pki';
import { FormsRegistry } from '../forms/forms-registry.service';
import { ApplicationsService } from '../applications/applications.service';
import { DraftsService } from '../drafts/drafts.service';
import type {
  CardFailureReason,
  CardSessionEntity,
} from '../database/entities/card-session.entity';
import { PORTAL_TRUST } from '../config/portal-config.provider';
import { CardSessionError, CardSessionErrorCode } from './card-session.error';
import { CardSessionsService } from './card-sessions.service';
import type {
  CardfaceDetailsDto,
  CertificateDto,
  DigestInfoDto,
  FailureDto,
  SignatureDto,
  SignedDto,
  SignerSessionDto,
} from './signer-api.dto';

/** Trust configuration of the portal's verifier: J-LIS signing-CA anchors and where revocation is asked. */
export type PortalTrust = TrustStore;

const FAILURE_REASONS = [
  'PIN_BLOCKED',
  'WRONG_PIN',
  'CARD_REMOVED',
  'CARD_UNREADABLE',
  'CANCELLED',
] as const;

function base64(value: unknown, what: string, maxBytes: number): Buffer {
  if (
    typeof value !== 'string' ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(value) ||
    value.length > maxBytes * 2
  ) {
    throw new CardSessionError(CardSessionErrorCode.InvalidRequest, `${what} must be base64`);
  }
  return Buffer.from(value, 'base64');
}

/** The portal's side of the two-phase signer API (issue 4 §4) and card-face reading (§6). */
@Injectable()
export class SignerApiService {
  private readonly logger = new Logger(SignerApiService.name);

  constructor(
    private readonly sessions: CardSessionsService,
    private readonly registry: FormsRegistry,
    private readonly applications: ApplicationsService,
    private readonly drafts: DraftsService,
    @Inject(PORTAL_TRUST) private readonly trust: PortalTrust,
  ) {}

  async describe(token: string): Promise<SignerSessionDto> {
    const session = await this.sessions.byToken(token);
    const form = this.registry.form(session.municipalityCode, session.formId);
    const municipality = this.registry.municipality(session.municipalityCode);
    const base: SignerSessionDto = {
      kind: session.kind,
      status: 'open',
      expiresAt: session.expiresAt.toISOString(),
      municipality: { code: municipality.code, name: municipality.name },
      form: { id: form.id, title: form.title },
    };
    if (session.kind === 'cardface') {
      return { ...base, requested: AUTOFILL_KEYS.filter((k) => form.autofill.includes(k)) };
    }
    const document = session.document ?? '';
    const draft = await this.drafts.byId(session.draftId);
    if (!draft) {
      throw new CardSessionError(CardSessionErrorCode.Closed, 'the draft is gone');
    }
    return {
      ...base,
      summary: this.applications.summaryOfFrozen(form, draft, document),
      document: { sha256: session.documentSha256 ?? '', size: Buffer.byteLength(document) },
    };
  }

  async cardface(token: string, body: CardfaceDetailsDto): Promise<{ status: 'completed' }> {
    const session = await this.sessions.byToken(token, 'cardface');
    const form = this.registry.form(session.municipalityCode, session.formId);
    await this.sessions.completeCardface(session, form, body);
    return { status: 'completed' };
  }

  /** Phase 1: build the CAdES signed attributes over the frozen document, keep their DER, answer the DigestInfo. */
  async certificate(token: string, body: CertificateDto): Promise<DigestInfoDto> {
    const session = await this.sessions.byToken(token, 'sign');
    const certificate = base64(body?.certificate, 'certificate', 16 * 1024);
    let prepared: ReturnType<typeof prepareSignature>;
    try {
      extractCertifiedBasicFour(certificate);
      prepared = prepareSignature({
        content: Buffer.from(session.document ?? '', 'utf8'),
        signerCertificate: certificate,
      });
    } catch (e) {
      throw new CardSessionError(
        CardSessionErrorCode.InvalidCertificate,
        `not a JPKI signing certificate: ${(e as Error).message}`,
      );
    }
    session.certificate = certificate.toString('base64');
    session.signedAttributes = prepared.signedAttributesDer.toString('base64');
    await this.sessions.save(session);
    return { digestInfo: prepared.digestInfo.toString('base64'), hashAlgorithm: 'sha256' };
  }

  /**
   * Phase 2: assemble the detached CMS from the kept attributes and the card's signature, verify it in full
   * (signature, digest of our own document, chain, validity, key usage, policy, revocation), and only on
   * TOTAL-PASSED turn the draft into an application.
   */
  async signature(token: string, body: SignatureDto): Promise<SignedDto> {
    const session = await this.sessions.byToken(token, 'sign');
    if (!session.signedAttributes || !session.certificate || !session.document) {
      throw new CardSessionError(CardSessionErrorCode.OutOfOrder, 'post the certificate first');
    }
    const signature = base64(body?.signature, 'signature', 1024);
    const certificate = Buffer.from(session.certificate, 'base64');
    const document = Buffer.from(session.document, 'utf8');
    let cms: Buffer;
    try {
      cms = assembleSignature({
        signedAttributesDer: Buffer.from(session.signedAttributes, 'base64'),
        signature,
        signerCertificate: certificate,
        chain: this.trust.intermediates,
      });
    } catch (e) {
      await this.sessions.fail(session, 'SIGNATURE_INVALID');
      throw new CardSessionError(CardSessionErrorCode.InvalidSignature, (e as Error).message);
    }
    const report = await this.trust.verifier.verify({ cms, content: document });
    if (report.indication !== 'TOTAL-PASSED') {
      const refusal = refusalOf(report.subIndication);
      await this.sessions.fail(session, refusal.reason);
      this.logger.warn(`signature refused: ${report.indication} ${report.subIndication ?? ''}`);
      throw new CardSessionError(
        refusal.code,
        `${report.indication} ${report.subIndication ?? ''}`,
      );
    }
    const form = this.registry.form(session.municipalityCode, session.formId);
    const result = await this.applications.submitSigned(form, session, {
      document: session.document,
      documentSha256: session.documentSha256 ?? '',
      cms: cms.toString('base64'),
      report: {
        indication: report.indication,
        subIndication: report.subIndication ?? null,
        checks: report.checks,
        signingTime: report.signingTime?.toISOString() ?? null,
        certifiedBasicFour: report.certifiedBasicFour ?? null,
        validatedAt: report.validatedAt.toISOString(),
        chain: report.chain.map((c) => c.toString('base64')),
      },
      evidence: {
        ocsp: report.revocationEvidence.ocspResponses.map((b) => b.toString('base64')),
        crl: report.revocationEvidence.crls.map((b) => b.toString('base64')),
      },
    });
    return { status: 'completed', receiptNumber: result.receiptNumber };
  }

  async failure(session: CardSessionEntity, body: FailureDto): Promise<void> {
    const reason = body?.reason;
    if (!(FAILURE_REASONS as readonly string[]).includes(reason)) {
      throw new CardSessionError(CardSessionErrorCode.InvalidRequest, 'unknown failure reason');
    }
    await this.sessions.fail(session, reason);
  }
}

/**
 * What a verdict other than TOTAL-PASSED tells the resident. Only an unanswered revocation check is worth trying
 * again later; a certificate the verifier cannot trust (no chain to the J-LIS anchors, expired, wrong policy or key
 * usage) or a broken signature never gets better by waiting.
 */
export function refusalOf(subIndication: SubIndication | undefined): {
  code: CardSessionErrorCode;
  reason: CardFailureReason;
} {
  switch (subIndication) {
    case 'REVOKED':
      return { code: CardSessionErrorCode.CertificateRevoked, reason: 'CERTIFICATE_REVOKED' };
    case 'TRY_LATER':
      return { code: CardSessionErrorCode.RevocationUnavailable, reason: 'REVOCATION_UNAVAILABLE' };
    case 'NO_CERTIFICATE_CHAIN_FOUND':
    case 'CERTIFICATE_CHAIN_GENERAL_FAILURE':
    case 'CHAIN_CONSTRAINTS_FAILURE':
    case 'SIG_CONSTRAINTS_FAILURE':
    case 'EXPIRED':
    case 'NOT_YET_VALID':
    case 'OUT_OF_BOUNDS_NO_POE':
      return { code: CardSessionErrorCode.InvalidCertificate, reason: 'CERTIFICATE_INVALID' };
    case 'FORMAT_FAILURE':
    case 'HASH_FAILURE':
    case 'SIG_CRYPTO_FAILURE':
    case 'CRYPTO_CONSTRAINTS_FAILURE':
    case 'NO_SIGNING_CERTIFICATE_FOUND':
    case undefined:
      return { code: CardSessionErrorCode.InvalidSignature, reason: 'SIGNATURE_INVALID' };
  }
}
