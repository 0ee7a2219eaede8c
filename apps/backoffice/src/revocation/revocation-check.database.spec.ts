import { FileBlobStore } from '@madoguchi/common';
import type { RevocationResult, RevocationSource } from '@madoguchi/pki';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ApplicationError, ApplicationErrorCode } from '../applications/application.error';
import { ApplicationsService } from '../applications/applications.service';
import { archiveTestDatabase } from '../archive/testing/archive-test-database';
import type { StaffContext } from '../auth/staff-context';
import { ApplicationEntity } from '../database/entities/application.entity';
import { ApplicationIdentityEntity } from '../database/entities/application-identity.entity';
import { RevocationCheckEntity } from '../database/entities/revocation-check.entity';
import { FormCatalog } from '../forms/form-catalog';
import { RecordsService } from '../records/records.service';
import { RevocationCheckService } from './revocation-check.service';
import { AuditLog } from '../audit/audit-log';
import { AuditLogEntity } from '../database/entities/audit-log.entity';
import { AuditViewService } from '../audit/audit-view.service';
import { MunicipalityEntity } from '../database/entities/municipality.entity';

/** Answers by the certificate's bytes: a revoked list, a list that makes the source throw, good otherwise. */
class FakeRevocationSource implements RevocationSource {
  readonly asked: string[] = [];
  readonly revoked = new Set<string>();
  readonly failing = new Set<string>();

  check(certificate: Uint8Array): Promise<RevocationResult> {
    const cert = Buffer.from(certificate).toString();
    this.asked.push(cert);
    if (this.failing.has(cert)) {
      return Promise.reject(new Error('certificate does not parse'));
    }
    return Promise.resolve(
      this.revoked.has(cert)
        ? {
            status: 'revoked',
            source: 'crl',
            revokedAt: new Date('2026-11-20T01:00:00Z'),
            reason: 'superseded',
            evidence: { ocspResponses: [], crls: [Buffer.from('crl')] },
            attempts: [],
          }
        : {
            status: 'good',
            source: 'ocsp',
            evidence: { ocspResponses: [Buffer.from('ocsp')], crls: [] },
            attempts: [],
          },
    );
  }
}

function staff(role: StaffContext['role'], municipalityCode = '990019'): StaffContext {
  return {
    id: randomUUID(),
    loginId: role,
    displayName: role,
    role,
    municipalityCode,
    // the department (担当課) of the test forms
    departments: ['テスト課'],
    mustChangePassword: false,
    isPlatformAdmin: false,
    pendingFactor: null,
    hasTotp: false,
    mustEnrolTotp: false,
    sessionHash: 'x',
  };
}

describe('現況確認 (database)', () => {
  let dir: string;
  let db: DataSource;
  let source: FakeRevocationSource;
  let sut: RevocationCheckService;
  let n = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revocation-check-'));
    ({ db } = await archiveTestDatabase('revocation_check', dir));
    source = new FakeRevocationSource();
    const blobs = new FileBlobStore(join(dir, 'blobs'));
    sut = new RevocationCheckService(
      db,
      source,
      new ApplicationsService(
        db,
        blobs,
        new RecordsService(db, blobs, new FormCatalog([], [])),
        FormCatalog.load(join(__dirname, '../../../../test/fixtures/forms'), () => undefined),
      ),
    );
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An application as intake stores it; `chain` holds the signing certificate's stand-in bytes first. */
  async function insert(
    status: ApplicationEntity['status'],
    identity: { isSigned: boolean; cert?: string },
    municipalityCode = '990019',
  ): Promise<string> {
    n += 1;
    const id = randomUUID();
    const now = new Date();
    await db.getRepository(ApplicationEntity).insert({
      id,
      portalId: `p-${id}`,
      receiptNumber: `R-${n}-${id.slice(0, 8)}`,
      municipalityCode,
      formId: 'test-cardface',
      formVersion: 1,
      formSha256: '0'.repeat(64),
      titleJa: 'テスト',
      titleEn: null,
      answers: {},
      status,
      statusVersion: 0,
      submittedAt: now,
      receivedAt: now,
      updatedAt: now,
    });
    await db.getRepository(ApplicationIdentityEntity).insert({
      applicationId: id,
      cardface: null,
      isSigned: identity.isSigned,
      indication: identity.isSigned ? 'TOTAL-PASSED' : null,
      checks: [],
      chain: identity.cert
        ? [Buffer.from(identity.cert).toString('base64'), Buffer.from('ca').toString('base64')]
        : [],
      differences: [],
    });
    return id;
  }

  const rowsOf = (applicationId: string) =>
    db.getRepository(RevocationCheckEntity).findBy({ applicationId });

  it('the nightly run pages through every open signed application, and no other', async () => {
    const open: string[] = [];
    for (let i = 0; i < 205; i++) {
      open.push(await insert(i % 2 ? 'received' : 'in_review', { isSigned: true, cert: `c${i}` }));
    }
    source.revoked.add('c7');
    source.failing.add('c8');
    const completed = await insert('completed', { isSigned: true, cert: 'done' });
    const rejected = await insert('rejected', { isSigned: true, cert: 'rejected' });
    const unsigned = await insert('received', { isSigned: false });
    const unreadable = await insert('received', { isSigned: true });

    const summary = await sut.checkAllOpen();

    expect(summary).toEqual({
      checked: 205,
      good: 203,
      revoked: 1,
      unknown: 1,
      skipped: 0,
      isStoppedEarly: false,
      newlyRevoked: 1,
    });
    expect(new Set(source.asked).size).toBe(205);
    expect(source.asked).not.toEqual(expect.arrayContaining(['done', 'rejected']));
    for (const id of [completed, rejected, unsigned, unreadable]) {
      await expect(rowsOf(id)).resolves.toEqual([]);
    }
    const [revoked] = await rowsOf(open[7]);
    expect(revoked).toMatchObject({
      result: 'revoked',
      run: 'scheduled',
      checkedBy: null,
      source: 'crl',
      revocationReason: 'superseded',
      evidence: { ocsp: [], crl: [Buffer.from('crl').toString('base64')] },
    });
    expect(revoked.revokedAt?.toISOString()).toBe('2026-11-20T01:00:00.000Z');
    const [failed] = await rowsOf(open[8]);
    expect(failed).toMatchObject({ result: 'unknown', evidence: null });
    expect(failed.error).toContain('certificate does not parse');

    // a second run (another instance, or npm run backoffice:recheck after the nightly one) asks only the unanswered
    source.asked.length = 0;
    await expect(sut.checkAllOpen()).resolves.toMatchObject({ checked: 1, skipped: 204 });
    expect(source.asked).toEqual(['c8']);
  });

  it('stops after J-LIS left several checks in a row unanswered, instead of timing out on every one', async () => {
    for (let i = 0; i < 12; i++) {
      source.failing.add(`c${i}`);
      await insert('received', { isSigned: true, cert: `c${i}` });
    }

    const summary = await sut.checkAllOpen({ maxConsecutiveUnknown: 5 });

    expect(summary).toMatchObject({ checked: 5, unknown: 5, isStoppedEarly: true });
    expect(source.asked).toHaveLength(5);
    await expect(db.getRepository(RevocationCheckEntity).count()).resolves.toBe(5);
  });

  it('every run appends one audit entry per municipality checked: how many checked, newly revoked (by receipt number), errors; each 監査者 sees only their own; the chain stays intact', async () => {
    const audited = new RevocationCheckService(db, source, undefined, new AuditLog());
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(await insert('received', { isSigned: true, cert: `a${i}` }));
    }
    source.revoked.add('a1');
    source.failing.add('a2');
    // another municipality's applications in the same run: one revoked, one good
    await db.getRepository(MunicipalityEntity).insert({
      code: '990027',
      nameJa: 'となり町（テスト）',
      nameEn: null,
      createdAt: new Date(),
    });
    const neighbours = [
      await insert('received', { isSigned: true, cert: 'b0' }, '990027'),
      await insert('received', { isSigned: true, cert: 'b1' }, '990027'),
    ];
    source.revoked.add('b1');
    const view = new AuditViewService(db, new AuditLog());
    /** What a 監査者 of the municipality sees in /audit, filtered to the runs. */
    const seenBy = async (code: string) =>
      (await view.page(code, { action: 'revocation.recheck_run' })).entries;
    const receiptOf = async (id: string) =>
      (await db.getRepository(ApplicationEntity).findOneByOrFail({ id })).receiptNumber;
    const runs = () =>
      db.getRepository(AuditLogEntity).find({
        where: { action: 'revocation.recheck_run' },
        order: { seq: 'ASC' },
      });

    await audited.checkAllOpen();
    let entries = await runs();
    expect(entries).toHaveLength(2);
    expect(entries.map((e) => e.municipalityCode)).toEqual(['990019', '990027']);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        actorId: null,
        targetType: 'revocation_recheck',
        targetId: entries[0].targetId,
      });
    }
    const ours = await seenBy('990019');
    expect(ours.map((e) => e.seq)).toEqual([entries[0].seq]);
    const theirs = await seenBy('990027');
    expect(theirs.map((e) => e.seq)).toEqual([entries[1].seq]);
    const first = JSON.parse(entries[0].detail) as Record<string, unknown>;
    expect(first).toMatchObject({
      trigger: 'nightly',
      checked: 4,
      good: 2,
      revoked: 1,
      newlyRevoked: 1,
      newlyRevokedReceipts: [await receiptOf(ids[1])],
      unknown: 1,
      errors: 1,
      isStoppedEarly: false,
      byMunicipality: { '990019': { checked: 4, newlyRevoked: 1, unknown: 1 } },
    });
    expect((first.errorSamples as string[])[0]).toContain(await receiptOf(ids[2]));
    expect((first.errorSamples as string[])[0]).toContain('certificate does not parse');
    expect(first.errorSamples).toHaveLength(1);
    // nothing of the other municipality in ours, nothing of ours in theirs
    expect(entries[0].detail).not.toContain(await receiptOf(neighbours[1]));
    expect(entries[0].detail).not.toContain('990027');
    const second = JSON.parse(entries[1].detail) as Record<string, unknown>;
    expect(second).toEqual(
      expect.objectContaining({
        trigger: 'nightly',
        checked: 2,
        good: 1,
        revoked: 1,
        unknown: 0,
        newlyRevoked: 1,
        newlyRevokedReceipts: [await receiptOf(neighbours[1])],
        errors: 0,
        errorSamples: [],
        byMunicipality: { '990027': { checked: 2, newlyRevoked: 1, unknown: 0 } },
      }),
    );
    expect(entries[1].detail).not.toContain('990019');
    for (const id of ids) {
      expect(entries[1].detail).not.toContain(await receiptOf(id));
    }

    // asked again at once (nothing fresh is skipped): the revoked one is revoked, but not newly; a new one is
    source.revoked.add('a3');
    await audited.checkAllOpen({ freshForMs: 0, trigger: 'cli' });
    entries = await runs();
    expect(entries).toHaveLength(4);
    expect(entries[2].municipalityCode).toBe('990019');
    expect(JSON.parse(entries[3].detail)).toMatchObject({
      trigger: 'cli',
      checked: 2,
      revoked: 1,
      newlyRevoked: 0,
      newlyRevokedReceipts: [],
    });
    expect(JSON.parse(entries[2].detail)).toMatchObject({
      trigger: 'cli',
      checked: 4,
      revoked: 2,
      newlyRevoked: 1,
      newlyRevokedReceipts: [await receiptOf(ids[3])],
      errors: 1,
    });

    // a run that fails still leaves its entry, saying why, and the failure reaches the caller
    const broken = new RevocationCheckService(db, source, undefined, new AuditLog());
    jest
      .spyOn(broken as unknown as { runAll: () => Promise<void> }, 'runAll')
      .mockRejectedValue(new Error('database went away'));
    await expect(broken.checkAllOpen()).rejects.toThrow('database went away');
    entries = await runs();
    expect(entries).toHaveLength(5);
    // it counted nothing, so it belongs to no municipality: a platform-level entry, in nobody's /audit
    expect(entries[4].municipalityCode).toBeNull();
    expect(JSON.parse(entries[4].detail)).toMatchObject({
      failed: 'database went away',
      checked: 0,
    });
    expect((await seenBy('990019')).map((e) => e.seq)).toEqual([entries[2].seq, entries[0].seq]);
    expect((await seenBy('990027')).map((e) => e.seq)).toEqual([entries[3].seq, entries[1].seq]);
    await expect(new AuditLog().verify(db)).resolves.toMatchObject({ isIntact: true });
  });

  it('a staff check of an application without a recorded certificate is refused, and nothing is recorded', async () => {
    const unsigned = await insert('received', { isSigned: false });
    const unreadable = await insert('received', { isSigned: true });

    for (const id of [unsigned, unreadable]) {
      await expect(sut.checkNow(staff('reviewer'), id)).rejects.toMatchObject({
        code: ApplicationErrorCode.NotSigned,
      });
    }
    expect(source.asked).toEqual([]);
    await expect(db.getRepository(RevocationCheckEntity).count()).resolves.toBe(0);
  });

  it('閲覧者 and 監査者 may not check; another municipality’s application is not found', async () => {
    const id = await insert('received', { isSigned: true, cert: 'c' });

    for (const role of ['viewer', 'auditor'] as const) {
      const refused = sut.checkNow(staff(role), id);
      await expect(refused).rejects.toBeInstanceOf(ApplicationError);
      await expect(refused).rejects.toMatchObject({
        code: ApplicationErrorCode.RevocationCheckNotPermitted,
      });
    }
    await expect(sut.checkNow(staff('admin', '131016'), id)).rejects.toMatchObject({
      code: ApplicationErrorCode.NotFound,
    });
    expect(source.asked).toEqual([]);
    await expect(rowsOf(id)).resolves.toEqual([]);
  });
});
