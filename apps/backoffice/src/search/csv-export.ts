import type { FieldDefinition, FormDefinition } from '@madoguchi/forms';
import { STATUS_LABELS } from '@madoguchi/transfer';
import { describeAnswer } from '../applications/to-answer-rows.mapper';
import type { ApplicationEntity } from '../database/entities/application.entity';

/**
 * CSV injection (OWASP): a spreadsheet runs a cell that starts with = + - @ (or a tab / carriage return before
 * one) as a formula. Such a cell gets a leading apostrophe, which Excel and LibreOffice show as text.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export interface ExportColumn {
  header: string;
  value: (a: ApplicationEntity) => string;
}

/** 2026-11-29 09:05:00 in Japan time: what Excel reads as a date and time. */
export function japanTime(date: Date): string {
  return new Date(date.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

const BASE_COLUMNS: ExportColumn[] = [
  { header: '受付番号', value: (a) => a.receiptNumber },
  { header: '申請', value: (a) => a.titleJa },
  { header: '申請者', value: (a) => a.applicantName ?? '' },
  { header: '担当課', value: (a) => a.department ?? '' },
  { header: '状態', value: (a) => STATUS_LABELS[a.status]?.ja ?? a.status },
  { header: '申請日時', value: (a) => japanTime(a.submittedAt) },
  { header: '受付日時', value: (a) => japanTime(a.receivedAt) },
];

function fieldText(field: FieldDefinition, a: ApplicationEntity): string {
  const value = a.answers?.[field.id];
  if (value === undefined || value === null || value === '') {
    return '';
  }
  const shown = describeAnswer(field, value, () => undefined);
  return shown.files ? shown.files.map((f) => f.name).join('、') : (shown.text?.ja ?? '');
}

/**
 * The export's columns: the base columns, then with a form chosen one column per field of the form, headed by its
 * Japanese label (section title added where two fields share a label), valued as on the detail page.
 */
export function exportColumns(form: FormDefinition | undefined): ExportColumn[] {
  if (!form) {
    return BASE_COLUMNS;
  }
  const fields = form.sections.flatMap((section) =>
    section.fields.map((field) => ({ section, field })),
  );
  const labelCount = new Map<string, number>();
  for (const { field } of fields) {
    labelCount.set(field.label.ja, (labelCount.get(field.label.ja) ?? 0) + 1);
  }
  return [
    ...BASE_COLUMNS.filter((c) => c.header !== '申請'),
    ...fields.map(({ section, field }) => ({
      header:
        (labelCount.get(field.label.ja) ?? 0) > 1
          ? `${section.title.ja}／${field.label.ja}`
          : field.label.ja,
      value: (a: ApplicationEntity) => fieldText(field, a),
    })),
  ];
}
