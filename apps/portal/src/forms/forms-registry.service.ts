import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { loadFormsDirectory, type FormDefinition, type Municipality } from '@madoguchi/forms';
import { PORTAL_CONFIG } from '../config/portal-config.provider';
import type { PortalConfig } from '../config/portal.config';
import { PortalError, PortalErrorCode } from '../portal.error';

/** The published forms: every valid definition under FORMS_DIR. An invalid one is never served; the log says why. */
@Injectable()
export class FormsRegistry implements OnModuleInit {
  private readonly logger = new Logger(FormsRegistry.name);
  private municipalitiesByCode = new Map<string, Municipality>();
  private formsByKey = new Map<string, FormDefinition>();

  constructor(@Inject(PORTAL_CONFIG) private readonly config: PortalConfig) {}

  onModuleInit(): void {
    const { forms, municipalities, issues } = loadFormsDirectory(this.config.FORMS_DIR);
    for (const issue of issues) {
      this.logger.error(`${issue.file}:${issue.line}: ${issue.message} (this form is not served)`);
    }
    this.municipalitiesByCode = new Map(municipalities.map((m) => [m.code, m]));
    this.formsByKey = new Map(forms.map((f) => [`${f.municipalityCode}/${f.id}`, f]));
    this.logger.log(`${forms.length} forms for ${municipalities.length} municipalities`);
  }

  municipalities(): Municipality[] {
    return [...this.municipalitiesByCode.values()].sort((a, b) => a.code.localeCompare(b.code));
  }

  municipality(code: string): Municipality {
    const m = this.municipalitiesByCode.get(code);
    if (!m) {
      throw new PortalError(PortalErrorCode.MunicipalityNotFound, `no municipality ${code}`);
    }
    return m;
  }

  forms(code: string): FormDefinition[] {
    this.municipality(code);
    return [...this.formsByKey.values()].filter((f) => f.municipalityCode === code);
  }

  form(code: string, formId: string): FormDefinition {
    const f = this.formsByKey.get(`${code}/${formId}`);
    if (!f) {
      throw new PortalError(PortalErrorCode.FormNotFound, `no form ${code}/${formId}`);
    }
    return f;
  }
}
