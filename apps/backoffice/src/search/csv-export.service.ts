import { stringify } from 'csv-stringify';
import { Readable, pipeline, type Transform } from 'node:stream';
import type { StaffContext } from '../auth/staff-context';
import type { FormCatalog } from '../forms/form-catalog';
import type { ApplicationSearchService } from './application-search.service';
import { exportColumns, neutraliseCell } from './csv-export';
import type { SearchFilter } from './search-filter';

export interface CsvExport {
  /** how many rows the filter matched when the export started */
  rows: number;
  /** UTF-8 with BOM, CRLF; pulls the next keyset batch only when the client has taken the previous rows */
  stream: Transform;
}

/** The list page's filter as a CSV file (issue 5 §6), streamed from the database. */
export class CsvExportService {
  constructor(
    private readonly search: ApplicationSearchService,
    private readonly forms: FormCatalog,
  ) {}

  async open(staff: StaffContext, filter: SearchFilter): Promise<CsvExport> {
    const form = filter.formId ? this.forms.find(staff.municipalityCode, filter.formId) : undefined;
    const columns = exportColumns(form);
    const counts = await this.search.counts(staff, filter);
    const rows = filter.status
      ? counts[filter.status]
      : Object.values(counts).reduce((sum, n) => sum + n, 0);
    const search = this.search;
    async function* records(): AsyncGenerator<string[]> {
      for await (const batch of search.iterate(staff, filter, form !== undefined)) {
        for (const a of batch) {
          yield columns.map((c) => neutraliseCell(c.value(a)));
        }
      }
    }
    const csv = stringify({
      bom: true,
      record_delimiter: 'windows',
      header: true,
      columns: columns.map((c) => neutraliseCell(c.header)),
    });
    // an error while reading ends the download broken (the client sees a truncated file), never a hung one
    pipeline(Readable.from(records()), csv, () => undefined);
    return { rows, stream: csv };
  }
}
