import {
  formatIssue,
  loadFormsDirectory,
  type FormDefinition,
  type Municipality,
} from '@madoguchi/forms';

/** The form definitions in FORMS_DIR, for the labels on the detail page. Invalid ones are left out and logged. */
export class FormCatalog {
  private readonly byKey = new Map<string, FormDefinition>();

  constructor(
    readonly municipalities: readonly Municipality[],
    forms: readonly FormDefinition[],
  ) {
    for (const form of forms) {
      this.byKey.set(`${form.municipalityCode}/${form.id}`, form);
    }
  }

  static load(formsDir: string, warn: (message: string) => void): FormCatalog {
    const { municipalities, forms, issues } = loadFormsDirectory(formsDir);
    for (const issue of issues) {
      warn(`form definition not loaded: ${formatIssue(issue)}`);
    }
    return new FormCatalog(municipalities, forms);
  }

  find(municipalityCode: string, formId: string): FormDefinition | undefined {
    return this.byKey.get(`${municipalityCode}/${formId}`);
  }

  /** The municipality's forms, in the order of their Japanese titles. */
  formsOf(municipalityCode: string): FormDefinition[] {
    return [...this.byKey.values()]
      .filter((f) => f.municipalityCode === municipalityCode)
      .sort((a, b) => a.title.ja.localeCompare(b.title.ja, 'ja'));
  }
}
