import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { testDatabaseUrl } from '../../../../test/support/test-database';
import { AuditAction } from '../audit/audit-action';
import { AuditLog } from '../audit/audit-log';
import { openBackofficeDatabase } from './backoffice.database';
import { AuditLogEntity } from './entities/audit-log.entity';
import { MunicipalityEntity } from './entities/municipality.entity';

/** A promise with its resolve function, to hold a transaction open at a chosen point. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets every queued callback and I/O event run once, so a flow started just before gets as far as it can. */
const turnOfTheLoop = () => new Promise((resolve) => setImmediate(resolve));

const municipality = (code: string) => ({
  code,
  nameJa: `テスト${code}`,
  nameEn: null,
  createdAt: new Date(),
});

describe('openBackofficeDatabase: concurrent flows on one DataSource (SQLite; PostgreSQL with TEST_POSTGRES_URL)', () => {
  let dir: string;
  let db: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bo-concurrent-'));
    db = await openBackofficeDatabase(await testDatabaseUrl('bo_concurrent', dir));
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const codes = async () =>
    (await db.getRepository(MunicipalityEntity).find({ order: { code: 'ASC' } })).map(
      (m) => m.code,
    );

  /** A transaction that writes `first`, waits at `held` until released, then runs `then`. */
  function heldTransaction(first: string, then: (em: EntityManager) => Promise<void>) {
    const inside = gate();
    const release = gate();
    const done = db.transaction(async (em) => {
      await em.insert(MunicipalityEntity, municipality(first));
      inside.open();
      await release.promise;
      await then(em);
    });
    return { inside: inside.promise, release: release.open, done };
  }

  /** A transaction of two inserts with a turn of the event loop between them. */
  const twoSteps = (first: string, second: string) =>
    db.transaction(async (em) => {
      await em.insert(MunicipalityEntity, municipality(first));
      await turnOfTheLoop();
      await em.save(em.create(MunicipalityEntity, municipality(second)));
    });

  it('two transactions started at once, each awaiting between its statements, both commit', async () => {
    await expect(
      Promise.all([twoSteps('100001', '100002'), twoSteps('200001', '200002')]),
    ).resolves.toEqual([undefined, undefined]);
    expect(await codes()).toEqual(['100001', '100002', '200001', '200002']);
  });

  it('a transaction started while another is open is its own: the other’s rollback leaves it committed', async () => {
    const a = heldTransaction('100001', () => Promise.reject(new Error('abandoned')));
    await a.inside;
    const b = twoSteps('200001', '200002');
    await turnOfTheLoop();
    a.release();

    await expect(a.done).rejects.toThrow('abandoned');
    await expect(b).resolves.toBeUndefined();
    expect(await codes()).toEqual(['200001', '200002']);
  });

  it('a plain write of another flow while a transaction is open survives that transaction’s rollback', async () => {
    const a = heldTransaction('100001', () => Promise.reject(new Error('abandoned')));
    await a.inside;
    const plain = db.getRepository(MunicipalityEntity).insert(municipality('300001'));
    const saved = db.getRepository(MunicipalityEntity).save(municipality('300002'));
    await turnOfTheLoop();
    a.release();

    await expect(a.done).rejects.toThrow('abandoned');
    await expect(plain).resolves.toBeDefined();
    await expect(saved).resolves.toMatchObject({ code: '300002' });
    expect(await codes()).toEqual(['300001', '300002']);
  });

  it('an audit entry appended outside a transaction while another one is open survives its rollback; the chain holds', async () => {
    const audit = new AuditLog();
    const a = heldTransaction('100001', () => Promise.reject(new Error('abandoned')));
    await a.inside;
    const appended = audit.append(db.manager, {
      actor: { loginId: 'sato' },
      municipalityCode: null,
      action: AuditAction.LoginFailed,
    });
    await turnOfTheLoop();
    a.release();

    await expect(a.done).rejects.toThrow('abandoned');
    await expect(appended).resolves.toMatchObject({ seq: 1 });
    expect(await db.getRepository(AuditLogEntity).count()).toBe(1);
    await expect(audit.verify(db)).resolves.toMatchObject({ isIntact: true, count: 1 });
  });

  it('inside a transaction, a nested transaction of its manager commits with it, or rolls back alone', async () => {
    await db.transaction(async (em) => {
      await em.insert(MunicipalityEntity, municipality('100001'));
      await em.transaction((inner) => inner.insert(MunicipalityEntity, municipality('100002')));
      await expect(
        em.transaction(async (inner) => {
          await inner.insert(MunicipalityEntity, municipality('100003'));
          throw new Error('inner abandoned');
        }),
      ).rejects.toThrow('inner abandoned');
      await em.insert(MunicipalityEntity, municipality('100004'));
    });

    expect(await codes()).toEqual(['100001', '100002', '100004']);
  });

  it('a failed transaction hands the connection on: many flows at once all finish', async () => {
    const flows = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0
        ? db.transaction(async (em) => {
            await em.insert(MunicipalityEntity, municipality(`9${String(i).padStart(5, '0')}`));
            await turnOfTheLoop();
            throw new Error(`abandoned ${i}`);
          })
        : i % 3 === 1
          ? db.transaction(async (em) => {
              await em.insert(MunicipalityEntity, municipality(`4${String(i).padStart(5, '0')}`));
              await turnOfTheLoop();
              await em.update(
                MunicipalityEntity,
                { code: `4${String(i).padStart(5, '0')}` },
                { nameEn: 'x' },
              );
            })
          : db
              .getRepository(MunicipalityEntity)
              .insert(municipality(`5${String(i).padStart(5, '0')}`)),
    );
    const settled = await Promise.allSettled(flows);

    expect(settled.map((s) => s.status)).toEqual(
      flows.map((_, i) => (i % 3 === 0 ? 'rejected' : 'fulfilled')),
    );
    expect(await codes()).toEqual([
      '400001',
      '400004',
      '400007',
      '400010',
      '500002',
      '500005',
      '500008',
      '500011',
    ]);
  });
});
