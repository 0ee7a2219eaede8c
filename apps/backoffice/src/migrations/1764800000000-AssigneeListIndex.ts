import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export const ASSIGNEE_LIST_INDEX = 'IDX_application_list_assignee';
const REPLACED = 'IDX_application_municipality_assignee';

/**
 * Lists by 担当者 at scale (issue 5 §5): (municipality_code, assignee_id, status, received_at, id) answers the
 * per-status counts of an assignee from the index alone and a page of one assignee and status in keyset order
 * without a sort. It replaces ReviewWorkflow's (municipality_code, assignee_id), its prefix: that one had neither
 * status nor the keyset order, so counting an assignee read every row of theirs (or, chosen by the planner instead,
 * every row of the municipality).
 */
export class AssigneeListIndex1764800000000 implements MigrationInterface {
  name = 'AssigneeListIndex1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'application',
      new TableIndex({
        name: ASSIGNEE_LIST_INDEX,
        columnNames: ['municipality_code', 'assignee_id', 'status', 'received_at', 'id'],
      }),
    );
    await queryRunner.dropIndex('application', REPLACED);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'application',
      new TableIndex({ name: REPLACED, columnNames: ['municipality_code', 'assignee_id'] }),
    );
    await queryRunner.dropIndex('application', ASSIGNEE_LIST_INDEX);
  }
}
