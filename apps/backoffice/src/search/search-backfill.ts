import type { DataSource } from 'typeorm';
import { ApplicationEntity } from '../database/entities/application.entity';
import type { FormCatalog } from '../forms/form-catalog';
import { applicantNameOf } from './applicant-name';

const BATCH = 500;

/**
 * Fills, for applications stored before these columns existed (or while their form was not in the catalog), the
 * department from the form catalog and the applicant's name from the answers. Runs at boot; idempotent.
 * Returns how many rows got a department and how many a name.
 */
export async function backfillSearchColumns(
  db: DataSource,
  forms: FormCatalog,
): Promise<{ departments: number; names: number }> {
  const repo = db.getRepository(ApplicationEntity);
  let departments = 0;
  const missing = await repo
    .createQueryBuilder('a')
    .select('a.municipality_code', 'municipalityCode')
    .addSelect('a.form_id', 'formId')
    .where('a.department IS NULL')
    .groupBy('a.municipality_code')
    .addGroupBy('a.form_id')
    .getRawMany<{ municipalityCode: string; formId: string }>();
  for (const { municipalityCode, formId } of missing) {
    const department = forms.find(municipalityCode, formId)?.department.ja;
    if (department) {
      const result = await repo
        .createQueryBuilder()
        .update()
        .set({ department })
        .where(
          'municipality_code = :municipalityCode AND form_id = :formId AND department IS NULL',
          {
            municipalityCode,
            formId,
          },
        )
        .execute();
      departments += result.affected ?? 0;
    }
  }

  let names = 0;
  let after = '';
  for (;;) {
    const rows = await repo
      .createQueryBuilder('a')
      .select(['a.id', 'a.municipalityCode', 'a.formId', 'a.answers'])
      .where('a.search_name IS NULL AND a.id > :after', { after })
      .orderBy('a.id', 'ASC')
      .limit(BATCH)
      .getMany();
    if (rows.length === 0) {
      break;
    }
    await db.transaction(async (em) => {
      for (const row of rows) {
        const name = applicantNameOf(forms.find(row.municipalityCode, row.formId), row.answers);
        await em.update(
          ApplicationEntity,
          { id: row.id },
          { applicantName: name.display, searchName: name.searchName, searchKana: name.searchKana },
        );
      }
    });
    names += rows.length;
    after = rows[rows.length - 1].id;
  }
  return { departments, names };
}
