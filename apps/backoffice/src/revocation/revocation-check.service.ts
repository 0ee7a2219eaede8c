import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { RevocationResult, RevocationSource } from '@madoguchi/pki';
import {
  In,
  MoreThan,
  Not,
  type DataSource,
  type EntityManager,
  type FindOptionsWhere,
} from 'typeorm';
import { ApplicationError, ApplicationErrorCode } from '../applications/application.error';
import type { ApplicationsService } from '../applications/applications.service';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import type { StaffContext } from '../auth/staff-context';
import { ApplicationIdentityEntity } from '../database/entities/application-identity.entity';
import {
  RevocationCheckEntity,
  type RevocationCheckRun,
} from '../database/entities/revocation-check.entity';

/** Statuses after which nobody acts on the application any more: the nightly job leaves them alone. */
export const CLOSED_STATUSES = ['completed', 'rejected'] as const;

const PAGE = 200;
const FRESH_FOR_MS = 12 * 3_600_000;
const MAX_CONSECUTIVE_UNKNOWN = 20;

export interface RecheckSummary {
  checked: number;
  good: number;
  revoked: number;
  unknown: number;
  /** answered (good or revoked) within the last 12 hours: not asked again */
  skipped: number;
  /** J-LIS did not answer several times in a row: the run stopped, the rest waits for the next one */
  isStoppedEarly: boolean;
  /** revoked now, with no earlier check of the application that said revoked */
  newlyRevoked: number;
}

/** How many error texts a run's audit entry keeps (the rows keep every one). */
const AUDITED_ERRORS = 10;

type Outcome = Pick<
  RevocationCheckEntity,
  'result' | 'source' | 'revokedAt' | 'revocationReason' | 'error' | 'evidence'
>;

/** One municipality's share of a nightly run: its audit entry says this, and nothing of another municipality. */
interface MunicipalityTally {
  checked: number;
  good: number;
  revoked: number;
  unknown: number;
  skipped: number;
  newlyRevoked: number;
  /** receipt numbers */
  newlyRevokedReceipts: string[];
  /** `<receipt number>: <why>` of each check without an answer */
  errors: string[];
}

/** What a nightly run notes beside its counts, for its audit entries: by municipality code. */
interface RunNotes {
  byMunicipality: Record<string, MunicipalityTally>;
}

const base64 = (items: Buffer[]) => items.map((b) => b.toString('base64'));

/** What the revocation source said, as the row keeps it. Anything but good or revoked is `unknown`, with why. */
export function toOutcome(result: RevocationResult): Outcome {
  const evidence = {
    ocsp: base64(result.evidence.ocspResponses),
    crl: base64(result.evidence.crls),
  };
  const tried = result.attempts
    .map((a) => `${a.source.toUpperCase()}${a.url ? ` ${a.url}` : ''}: ${a.outcome} (${a.reason})`)
    .join('; ');
  switch (result.status) {
    case 'good':
      return {
        result: 'good',
        source: result.source ?? null,
        revokedAt: null,
        revocationReason: null,
        error: null,
        evidence,
      };
    case 'revoked':
      return {
        result: 'revoked',
        source: result.source ?? null,
        revokedAt: result.revokedAt ?? null,
        revocationReason: result.reason ?? 'unspecified',
        error: null,
        evidence,
      };
    case 'unknown':
    case 'unavailable':
      return {
        result: 'unknown',
        source: result.source ?? null,
        revokedAt: null,
        revocationReason: null,
        error: `${result.status === 'unknown' ? 'the responder does not know the certificate' : 'no usable revocation data'}${tried ? `: ${tried}` : ''}`,
        evidence,
      };
  }
}

/**
 * 現況確認 (issue 5 §4): asks revocation again for the signing certificate of a signed application (OCSP, CRL as
 * fallback, never a cached answer) and records the answer as a row of its own. The verdict recorded at intake is
 * left exactly as it was: the certificate was valid when the resident signed, whatever happened to it since.
 */
export class RevocationCheckService {
  private readonly logger = new Logger('RevocationCheck');

  constructor(
    private readonly db: DataSource,
    /** a source without a cache (HttpRevocationSource isCacheUsed: false) */
    private readonly source: RevocationSource,
    /** the staff path (checkNow): scoping and who may work on an application; the nightly run needs none */
    private readonly applications?: Pick<ApplicationsService, 'detail'>,
    /** a staff member's 現況確認 is an audited action (issue 5 §7) */
    private readonly audit?: Pick<AuditLog, 'append'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * A staff member's 現況確認 on one application of their municipality: those who may work on it (管理者, the
   * 審査者 of its department) may ask.
   */
  async checkNow(staff: StaffContext, applicationId: string): Promise<RevocationCheckEntity> {
    if (!this.applications) {
      throw new Error('RevocationCheckService: checkNow needs the ApplicationsService');
    }
    // scoped to the municipality: another municipality's application answers exactly like a missing one
    const detail = await this.applications.detail(staff, applicationId);
    if (!detail.mayReview) {
      throw new ApplicationError(
        ApplicationErrorCode.RevocationCheckNotPermitted,
        `${staff.role} may not check ${applicationId}`,
      );
    }
    const row = await this.check(
      detail.identity,
      detail.application.id,
      'manual',
      staff.id,
      (em, saved) =>
        this.audit?.append(em, {
          actor: staff,
          municipalityCode: detail.application.municipalityCode,
          action: AuditAction.RevocationChecked,
          targetType: 'application',
          targetId: detail.application.id,
          detail: {
            receiptNumber: detail.application.receiptNumber,
            result: saved.result,
            source: saved.source,
            revokedAt: saved.revokedAt?.toISOString() ?? null,
            revocationReason: saved.revocationReason,
            checkId: saved.id,
          },
        }),
    );
    return row;
  }

  /**
   * The nightly job: every signed application not yet completed or rejected, one after the other (gentle on
   * J-LIS), in pages by id. One failing check is recorded as `unknown` and the run goes on. An application with a
   * usable answer (good or revoked) in the last `freshForMs` is skipped, so several back-office instances, or a
   * manual run after the nightly one, do not ask twice. After `maxConsecutiveUnknown` unanswered checks in a row
   * J-LIS is taken as down and the run stops (the rest waits for the next run) instead of timing out on every one.
   */
  async checkAllOpen(
    options: {
      freshForMs?: number;
      maxConsecutiveUnknown?: number;
      trigger?: 'nightly' | 'cli';
    } = {},
  ): Promise<RecheckSummary> {
    const startedAt = this.now();
    const summary: RecheckSummary = {
      checked: 0,
      good: 0,
      revoked: 0,
      unknown: 0,
      skipped: 0,
      isStoppedEarly: false,
      newlyRevoked: 0,
    };
    const run: RunNotes = { byMunicipality: {} };
    let failure: Error | undefined;
    try {
      await this.runAll(summary, run, options);
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
    await this.appendRunEntries(run, summary, {
      trigger: options.trigger ?? 'nightly',
      startedAt: startedAt.toISOString(),
      finishedAt: this.now().toISOString(),
      failure,
    });
    if (failure !== undefined) {
      throw failure;
    }
    return summary;
  }

  /**
   * A run's audit entries (issue 5 §7): one per municipality that had applications checked, with that
   * municipality's code and only its own counts and receipt numbers, so its 監査者 sees it in /audit and no other
   * municipality's. All entries of one run share `runId`. A run that failed before it counted anything leaves one
   * platform-level entry (no municipality) saying why.
   */
  private async appendRunEntries(
    run: RunNotes,
    summary: RecheckSummary,
    meta: { trigger: string; startedAt: string; finishedAt: string; failure?: Error },
  ): Promise<void> {
    if (!this.audit) {
      return;
    }
    const runId = randomUUID();
    const common = {
      runId,
      trigger: meta.trigger,
      startedAt: meta.startedAt,
      finishedAt: meta.finishedAt,
      isStoppedEarly: summary.isStoppedEarly,
      ...(meta.failure === undefined ? {} : { failed: meta.failure.message }),
    };
    const checked = Object.entries(run.byMunicipality)
      .filter(([, tally]) => tally.checked > 0)
      .sort(([a], [b]) => a.localeCompare(b));
    for (const [code, tally] of checked) {
      await this.audit.append(this.db.manager, {
        actor: null,
        municipalityCode: code,
        action: AuditAction.RevocationRecheckRun,
        targetType: 'revocation_recheck',
        targetId: runId,
        detail: {
          ...common,
          checked: tally.checked,
          good: tally.good,
          revoked: tally.revoked,
          unknown: tally.unknown,
          skipped: tally.skipped,
          newlyRevoked: tally.newlyRevoked,
          newlyRevokedReceipts: tally.newlyRevokedReceipts,
          errors: tally.errors.length,
          errorSamples: tally.errors.slice(0, AUDITED_ERRORS),
          byMunicipality: {
            [code]: {
              checked: tally.checked,
              newlyRevoked: tally.newlyRevoked,
              unknown: tally.unknown,
            },
          },
        },
      });
    }
    if (meta.failure !== undefined && checked.length === 0) {
      await this.audit.append(this.db.manager, {
        actor: null,
        municipalityCode: null,
        action: AuditAction.RevocationRecheckRun,
        targetType: 'revocation_recheck',
        targetId: runId,
        detail: { ...common, ...summary, errors: 0 },
      });
    }
  }

  private async runAll(
    summary: RecheckSummary,
    run: RunNotes,
    options: { freshForMs?: number; maxConsecutiveUnknown?: number },
  ): Promise<void> {
    const freshSince = new Date(this.now().getTime() - (options.freshForMs ?? FRESH_FOR_MS));
    const maxUnknown = options.maxConsecutiveUnknown ?? MAX_CONSECUTIVE_UNKNOWN;
    let unknownInARow = 0;
    let after = '';
    for (;;) {
      const page = await this.db.getRepository(ApplicationIdentityEntity).find({
        where: {
          isSigned: true,
          applicationId: MoreThan(after),
          application: { status: Not(In([...CLOSED_STATUSES])) },
        },
        relations: { application: true },
        order: { applicationId: 'ASC' },
        take: PAGE,
      });
      const checkable = page.filter(hasChain);
      const ids = checkable.map((i) => i.applicationId);
      const fresh = await this.idsWithCheck(ids, {
        checkedAt: MoreThan(freshSince),
        result: In(['good', 'revoked']),
      });
      const revokedBefore = await this.idsWithCheck(ids, { result: 'revoked' });
      for (const identity of checkable) {
        const code = identity.application?.municipalityCode ?? '';
        const tally = (run.byMunicipality[code] ??= {
          checked: 0,
          good: 0,
          revoked: 0,
          unknown: 0,
          skipped: 0,
          newlyRevoked: 0,
          newlyRevokedReceipts: [],
          errors: [],
        });
        if (fresh.has(identity.applicationId)) {
          summary.skipped += 1;
          tally.skipped += 1;
          continue;
        }
        const wasRevoked = revokedBefore.has(identity.applicationId);
        const row = await this.check(identity, identity.applicationId, 'scheduled', null);
        summary.checked += 1;
        summary[row.result] += 1;
        tally.checked += 1;
        tally[row.result] += 1;
        const receipt = identity.application?.receiptNumber ?? identity.applicationId;
        if (row.result === 'revoked' && !wasRevoked) {
          summary.newlyRevoked += 1;
          tally.newlyRevoked += 1;
          tally.newlyRevokedReceipts.push(receipt);
        }
        if (row.result === 'unknown') {
          tally.errors.push(`${receipt}: ${row.error ?? 'unknown'}`);
        }
        unknownInARow = row.result === 'unknown' ? unknownInARow + 1 : 0;
        if (unknownInARow >= maxUnknown) {
          summary.isStoppedEarly = true;
          return;
        }
      }
      if (page.length < PAGE) {
        return;
      }
      after = page[page.length - 1].applicationId;
    }
  }

  /** Which of these applications already have a usable answer since `since`. */
  /** Which of `ids` have a check row matching `where` (one query per page of the run, not one per application). */
  private async idsWithCheck(
    ids: string[],
    where: FindOptionsWhere<RevocationCheckEntity>,
  ): Promise<Set<string>> {
    if (ids.length === 0) {
      return new Set();
    }
    const rows = await this.db.getRepository(RevocationCheckEntity).find({
      select: { applicationId: true },
      where: { ...where, applicationId: In(ids) },
    });
    return new Set(rows.map((r) => r.applicationId));
  }

  private async check(
    identity: ApplicationIdentityEntity | null,
    applicationId: string,
    run: RevocationCheckRun,
    checkedBy: string | null,
    /** written in the same transaction as the row (the audit entry of a staff check) */
    alongside?: (em: EntityManager, saved: RevocationCheckEntity) => Promise<unknown> | undefined,
  ): Promise<RevocationCheckEntity> {
    if (!identity || !hasChain(identity)) {
      throw new ApplicationError(
        ApplicationErrorCode.NotSigned,
        'no signing certificate recorded for this application',
      );
    }
    const [certificate, issuer] = identity.chain.map((c) => Buffer.from(c, 'base64'));
    let outcome: Outcome;
    try {
      outcome = toOutcome(await this.source.check(certificate, issuer));
    } catch (e) {
      this.logger.warn(`revocation check of ${applicationId} failed: ${(e as Error).message}`);
      outcome = {
        result: 'unknown',
        source: null,
        revokedAt: null,
        revocationReason: null,
        error: `the revocation check failed: ${(e as Error).message}`,
        evidence: null,
      };
    }
    return this.db.transaction(async (em) => {
      const saved = await em.save(
        em.create(RevocationCheckEntity, {
          applicationId,
          checkedAt: this.now(),
          checkedBy,
          run,
          ...outcome,
        }),
      );
      await alongside?.(em, saved);
      return saved;
    });
  }
}

/** The stored chain starts with the signing certificate, then the CA that issued it. */
function hasChain(identity: ApplicationIdentityEntity): identity is ApplicationIdentityEntity & {
  chain: string[];
} {
  return identity.isSigned && (identity.chain?.length ?? 0) >= 2;
}
