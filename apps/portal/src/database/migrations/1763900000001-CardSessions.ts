import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '@madoguchi/common';

/** Card-read and signing sessions; what the card face said on a draft; the identity evidence of an application. */
export class CardSessions1763900000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'card_session',
        columns: [
          { name: 'id', type: 'varchar', length: '32', isPrimary: true },
          { name: 'token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'draft_id', type: 'varchar', length: '64' },
          { name: 'municipality_code', type: 'varchar', length: '6' },
          { name: 'form_id', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'failure_reason', type: 'varchar', length: '32', isNullable: true },
          { name: 'document', type: 'text', isNullable: true },
          { name: 'document_sha256', type: 'varchar', length: '64', isNullable: true },
          { name: 'signed_attributes', type: 'text', isNullable: true },
          { name: 'certificate', type: 'text', isNullable: true },
          { name: 'result_path', type: 'varchar', length: '128', isNullable: true },
          { name: 'created_at', type: t.timestamp },
          { name: 'expires_at', type: t.timestamp },
          { name: 'completed_at', type: t.timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_card_session_expires_at', columnNames: ['expires_at'] }),
          new TableIndex({ name: 'idx_card_session_draft', columnNames: ['draft_id'] }),
        ],
      }),
    );
    await queryRunner.addColumn(
      'draft',
      new TableColumn({ name: 'cardface', type: t.json, isNullable: true }),
    );
    await queryRunner.addColumn(
      'application',
      new TableColumn({ name: 'identity', type: t.json, isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('application', 'identity');
    await queryRunner.dropColumn('draft', 'cardface');
    await queryRunner.dropTable('card_session');
  }
}
