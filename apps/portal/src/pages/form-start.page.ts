import type { FormDefinition, Municipality } from '@madoguchi/forms';
import { SlottedPage, SlottedPageCache, type PageLocals } from '@madoguchi/web';
import { formPath, identityNote } from './form-view.mapper';

export const FORM_START_VIEW = 'pages/form-start';

/** What pages/form-start shows. */
export function toFormStartView(
  municipality: Municipality,
  form: FormDefinition,
  resumeHref: string | undefined,
) {
  return {
    title: form.title,
    municipality,
    form,
    formPath: formPath(form),
    identityNote: identityNote(form),
    steps: form.sections.map((s) => s.title),
    hasDraft: resumeHref !== undefined,
    resumeHref,
  };
}

/** @fastify/view's renderer (`reply.server.view`): the page with the layout, for an explicit context. */
export type ViewRenderer = (view: string, data: object) => Promise<string>;

type Slot = 'resumeHref';
const SLOTS: readonly Slot[] = ['resumeHref'];

/**
 * The start page of a form, the page a resident lands on first (bench:portal measures it). It carries no CSRF
 * token: its one button (POST …/start) is checked by origin instead (`@OriginChecked()` on PagesController.begin), so a
 * first visit gets the same bytes as everyone else and no cookie. Only the resume link differs between requests, so
 * it is rendered once per form, language and "has a draft" and filled per request (SlottedPage): the same bytes as
 * rendering pages/form-start each time, without the Handlebars work.
 */
export class FormStartPage {
  private readonly pages: SlottedPageCache<Slot>;

  /** `isCached: false` renders every time (development: template edits show at once). */
  constructor(isCached: boolean) {
    this.pages = new SlottedPageCache<Slot>(isCached);
  }

  async render(
    view: ViewRenderer,
    locals: PageLocals,
    municipality: Municipality,
    form: FormDefinition,
    resumeHref: string | undefined,
  ): Promise<string> {
    const hasDraft = resumeHref !== undefined;
    const key = `${form.municipalityCode}/${form.id}/${form.version}/${locals.lang}/${hasDraft}`;
    const page = await this.pages.get(key, () =>
      SlottedPage.build(SLOTS, (values) =>
        // the context reply.view would build: the request's locals, then the page's view model
        view(FORM_START_VIEW, {
          lang: locals.lang,
          ...toFormStartView(municipality, form, hasDraft ? values.resumeHref : undefined),
        }),
      ),
    );
    return page.fill({ resumeHref: resumeHref ?? '' });
  }
}
