import { FileBlobStore } from '@madoguchi/common';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ApplicationEntity } from '../database/entities/application.entity';
import { portalDataSourceOptions } from '../database/portal-database';
import { isStatusUpdate, TransferService } from './transfer.service';

describe('TransferService (acknowledgement, on SQLite with the real migrations)', () => {
  let dir: string;
  let db: DataSource;
  let blobs: FileBlobStore;
  let sut: TransferService;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portal-transfer-'));
    db = new DataSource(portalDataSourceOptions(`sqlite:${join(dir, 'portal.sqlite')}`));
    await db.initialize();
    await db.runMigrations();
    blobs = new FileBlobStore(join(dir, 'blobs'));
    sut = new TransferService(db, blobs);
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function submitted(
    pickedUpAt: Date | null = null,
  ): Promise<{ id: string; blobPath: string }> {
    const bytes = Buffer.from('%PDF-1.7 test');
    const { key, sha256 } = await blobs.put(bytes);
    const id = randomUUID();
    await db.getRepository(ApplicationEntity).insert({
      id,
      receiptNumber: `R-${id.slice(0, 8)}`,
      secretHash: 'a'.repeat(64),
      municipalityCode: '990019',
      formId: 'test-permit',
      formVersion: 1,
      formSha256: 'b'.repeat(64),
      formTitle: { ja: 'テスト' },
      answers: pickedUpAt ? null : { tel: '03-1234-5678' },
      attachments: [
        {
          id: randomUUID(),
          name: 'a.pdf',
          type: 'application/pdf',
          size: bytes.length,
          sha256,
          blobKey: key,
        },
      ],
      identity: null,
      status: pickedUpAt ? 'received' : 'submitted',
      statusMessage: null,
      statusVersion: 0,
      submittedAt: new Date(),
      pickedUpAt,
      statusChangedAt: null,
    });
    return { id, blobPath: join(dir, 'blobs', key) };
  }

  it('drops answers, attachment references and bytes on acknowledgement, and again changes nothing', async () => {
    const { id, blobPath } = await submitted();

    await expect(sut.acknowledge(id)).resolves.toBe(true);
    await expect(sut.acknowledge(id)).resolves.toBe(true);

    const row = await db.getRepository(ApplicationEntity).findOneByOrFail({ id });
    expect(row).toMatchObject({ answers: null, attachments: null, status: 'received' });
    expect(row.pickedUpAt).toBeInstanceOf(Date);
    expect(existsSync(blobPath)).toBe(false);
  });

  it('finishes at start an acknowledgement that a crash cut off between the row and the bytes', async () => {
    // the state SIGKILL leaves after the first update of acknowledge (test/transfer-crash.e2e-spec.ts found it)
    const { id, blobPath } = await submitted(new Date());
    const untouched = await submitted();

    await expect(sut.dropLeftoverAttachments()).resolves.toBe(1);

    const repo = db.getRepository(ApplicationEntity);
    expect((await repo.findOneByOrFail({ id })).attachments).toBeNull();
    expect(existsSync(blobPath)).toBe(false);
    expect((await repo.findOneByOrFail({ id: untouched.id })).attachments).toHaveLength(1);
    expect(existsSync(untouched.blobPath)).toBe(true);
    await expect(sut.dropLeftoverAttachments()).resolves.toBe(0);
  });

  describe('the prefill of a correction (差戻し)', () => {
    const answers = { tel: '03-1234-5678', count: 2 };
    const update = (receiptNumber: string, version: number, status: 'returned' | 'in_review') => ({
      receiptNumber,
      status,
      version,
      changedAt: new Date().toISOString(),
      ...(status === 'returned' ? { message: '直してください', correction: { answers } } : {}),
    });

    it('keeps the answers while returned, drops them when the status moves on, ignores a stale push', async () => {
      const { id } = await submitted(new Date());
      const repo = db.getRepository(ApplicationEntity);
      const { receiptNumber } = await repo.findOneByOrFail({ id });

      await sut.applyStatus([update(receiptNumber, 2, 'returned')]);
      expect(await repo.findOneByOrFail({ id })).toMatchObject({
        status: 'returned',
        correctionAnswers: answers,
      });
      await sut.applyStatus([update(receiptNumber, 3, 'in_review')]);
      expect(await repo.findOneByOrFail({ id })).toMatchObject({
        status: 'in_review',
        correctionAnswers: null,
      });
      // the 差戻し push retried after the newer one: changes nothing
      await sut.applyStatus([update(receiptNumber, 2, 'returned')]);
      expect(await repo.findOneByOrFail({ id })).toMatchObject({
        status: 'in_review',
        correctionAnswers: null,
      });
    });

    it('never puts answers back on an application whose correction was already sent', async () => {
      const { id } = await submitted(new Date());
      const repo = db.getRepository(ApplicationEntity);
      await repo.update({ id }, { correctedBy: '20261129-00000002' });
      const { receiptNumber } = await repo.findOneByOrFail({ id });
      await sut.applyStatus([update(receiptNumber, 5, 'returned')]);
      expect(await repo.findOneByOrFail({ id })).toMatchObject({
        status: 'returned',
        correctionAnswers: null,
      });
    });

    it.each([
      ['answers missing', { correction: {} }],
      ['answers a list', { correction: { answers: [] } }],
      ['correction null', { correction: null }],
      ['answers a string', { correction: { answers: 'x' } }],
    ])('refuses a malformed update (%s)', (_what, extra) => {
      expect(isStatusUpdate({ ...update('R-1', 1, 'returned'), ...extra })).toBe(false);
    });

    it('accepts an update with or without the prefill', () => {
      expect(isStatusUpdate(update('R-1', 1, 'returned'))).toBe(true);
      expect(isStatusUpdate(update('R-1', 1, 'in_review'))).toBe(true);
    });
  });
});
