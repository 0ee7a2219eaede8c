import { Controller, Get, Param, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ResidentDrafts } from './resident-drafts.service';
import { FormsRegistry } from '../forms/forms-registry.service';
import { DraftsService } from '../drafts/drafts.service';
import {
  ApplicationsService,
  isCorrectable,
  needsSignature,
} from '../applications/applications.service';
import { STATUS_LABELS } from '@madoguchi/transfer';
import { answerText, formPath, identityNote, toStepView } from './form-view.mapper';
import { FormStartPage } from './form-start.page';
import { OriginChecked, pageLocalsOf } from '@madoguchi/web';
import { readStepInput } from './step-input.reader';
import { DRAFT_COOKIE_MAX_AGE, draftCookie, readDraftId } from './draft-cookie';
import { answersToRawValues, formatJapaneseDate } from '@madoguchi/forms';

/** 令和8年11月24日 04:29 in Japan time. */
function japaneseDateTime(d: Date): string {
  const jst = new Date(d.getTime() + 9 * 3600 * 1000).toISOString();
  return `${formatJapaneseDate(jst.slice(0, 10))} ${jst.slice(11, 16)}`;
}

/** Resident pages (issue 2 §6): form list, the form step by step, confirmation, submission, status. */
@ApiExcludeController()
@Controller()
export class PagesController {
  constructor(
    private readonly registry: FormsRegistry,
    private readonly drafts: DraftsService,
    private readonly residentDrafts: ResidentDrafts,
    private readonly applications: ApplicationsService,
    private readonly formStart: FormStartPage,
  ) {}

  @Get()
  @Render('pages/home')
  home() {
    return {
      title: { ja: 'オンライン申請', en: 'Online applications' },
      municipalities: this.registry.municipalities(),
    };
  }

  @Get('m/:code')
  @Render('pages/forms')
  forms(@Param('code') code: string) {
    const municipality = this.registry.municipality(code);
    return {
      title: municipality.name,
      municipality,
      forms: this.registry.forms(code).map((f) => ({
        form: f,
        href: formPath(f),
        needsCard: f.identity !== 'none',
      })),
    };
  }

  /** The page a resident lands on first: rendered once per form and language, filled per request (FormStartPage). */
  @Get('m/:code/forms/:formId')
  async start(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = this.registry.form(code, formId);
    const draft = await this.drafts.find(readDraftId(req, form), form);
    const html = await this.formStart.render(
      (view, data) => reply.server.view(view, data),
      pageLocalsOf(reply),
      this.registry.municipality(code),
      form,
      draft
        ? `${formPath(form)}/steps/${Math.min(draft.maxStep, this.drafts.steps(form, draft).length - 1)}`
        : undefined,
    );
    void reply.type('text/html; charset=utf-8').send(html);
  }

  /**
   * Checked by origin, not a token: the start page most residents land on then carries no token and sets no
   * cookie, the same bytes for everyone (bench:portal), and a cache in front may keep it.
   */
  @Post('m/:code/forms/:formId/start')
  @OriginChecked()
  async begin(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = this.registry.form(code, formId);
    const draft = await this.drafts.start(form);
    void reply.setCookie(draftCookie(form), draft.id, {
      path: formPath(form),
      httpOnly: true,
      sameSite: 'lax',
      signed: true,
      maxAge: DRAFT_COOKIE_MAX_AGE,
    });
    void reply.redirect(`${formPath(form)}/steps/1`, 303);
  }

  @Get('m/:code/forms/:formId/steps/:n')
  async step(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Param('n') n: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { form, draft } = await this.residentDrafts.load(code, formId, req);
    const index = Number(n) - 1;
    this.drafts.step(form, draft, index);
    const justRead = (req.query as Record<string, string | undefined>).cardface === '1';
    await reply.view(
      'pages/form-step',
      toStepView(form, this.drafts.steps(form, draft), index, draft, {}, justRead),
    );
  }

  @Post('m/:code/forms/:formId/steps/:n')
  async saveStep(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Param('n') n: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { form, draft } = await this.residentDrafts.load(code, formId, req);
    const index = Number(n) - 1;
    const input = await readStepInput(req);
    const errors = await this.drafts.saveStep(form, draft, index, input.step);
    const steps = this.drafts.steps(form, draft);
    // Going back keeps what was typed (even invalid) without blocking on it.
    if (input.back) {
      void reply.redirect(`${formPath(form)}/steps/${Math.max(index, 1)}`, 303);
      return;
    }
    if (Object.keys(errors).length > 0 || input.stay) {
      await reply
        .code(Object.keys(errors).length > 0 ? 422 : 200)
        .view('pages/form-step', toStepView(form, steps, index, draft, errors));
      return;
    }
    const next =
      index + 1 < steps.length
        ? `${formPath(form)}/steps/${index + 2}`
        : `${formPath(form)}/confirm`;
    void reply.redirect(next, 303);
  }

  @Get('m/:code/forms/:formId/confirm')
  async confirm(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { form, draft } = await this.residentDrafts.load(code, formId, req);
    const steps = this.drafts.steps(form, draft);
    if (draft.maxStep < steps.length) {
      void reply.redirect(`${formPath(form)}/steps/${draft.maxStep + 1}`, 303);
      return;
    }
    await reply.view('pages/confirm', {
      title: form.title,
      form,
      formPath: formPath(form),
      sections: steps.map((s, i) => ({
        title: s.title,
        editHref: `${formPath(form)}/steps/${i + 1}`,
        answers: s.fields
          .map((f) => ({ label: f.label, lines: answerText(f, draft) }))
          .filter((a) => a.lines.length > 0),
      })),
      canSubmit: !needsSignature(form),
      canSign: needsSignature(form),
      identityNote: identityNote(form),
      corrects: draft.corrects,
    });
  }

  @Post('m/:code/forms/:formId/submit')
  async submit(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { form, draft } = await this.residentDrafts.load(code, formId, req);
    const result = await this.applications.submit(form, draft);
    if (!result.ok) {
      const steps = this.drafts.steps(form, draft);
      const firstBad = Math.max(
        0,
        steps.findIndex((s) => s.fields.some((f) => result.errors[f.id])),
      );
      await reply
        .code(422)
        .view('pages/form-step', toStepView(form, steps, firstBad, draft, result.errors));
      return;
    }
    void reply.clearCookie(draftCookie(form), { path: formPath(form) });
    void reply.redirect(`/status/${result.receiptNumber}/${result.secret}?submitted=1`, 303);
  }

  @Get('status/:receipt/:secret')
  @Render('pages/status')
  async status(
    @Param('receipt') receipt: string,
    @Param('secret') secret: string,
    @Req() req: FastifyRequest,
  ) {
    const app = await this.applications.findForResident(receipt, secret);
    const submitted = (req.query as Record<string, string | undefined>).submitted === '1';
    return {
      title: submitted
        ? { ja: '申請を受け付けました', en: 'Your application has been submitted' }
        : { ja: '申請の状況', en: 'Application status' },
      justSubmitted: submitted,
      receiptNumber: app.receiptNumber,
      formTitle: app.formTitle,
      statusLabel:
        app.status === 'submitted'
          ? {
              ja: '送信済み（市区町村での受付待ち）',
              en: 'Sent (waiting to be received by the municipality)',
            }
          : STATUS_LABELS[app.status],
      status: app.status,
      statusMessage: app.statusMessage,
      submittedAt: japaneseDateTime(app.submittedAt),
      submittedAtIso: app.submittedAt.toISOString(),
      statusPath: `/status/${app.receiptNumber}/${secret}`,
      canCorrect: isCorrectable(app),
      correctPath: `/status/${app.receiptNumber}/${secret}/correct`,
      correctedBy: app.correctedBy,
      corrects: app.corrects,
    };
  }

  /**
   * 「修正して再申請する」: a new draft of the same form, prefilled with the returned application's answers (files
   * are attached again), linked to it. The secret in the path proves the resident is the one who applied.
   */
  @Post('status/:receipt/:secret/correct')
  async correct(
    @Param('receipt') receipt: string,
    @Param('secret') secret: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const app = await this.applications.correctable(receipt, secret);
    const form = this.registry.form(app.municipalityCode, app.formId);
    const draft = await this.drafts.start(form, {
      rawValues: answersToRawValues(form, app.correctionAnswers),
      corrects: app.receiptNumber,
    });
    void reply.setCookie(draftCookie(form), draft.id, {
      path: formPath(form),
      httpOnly: true,
      sameSite: 'lax',
      signed: true,
      maxAge: DRAFT_COOKIE_MAX_AGE,
    });
    void reply.redirect(`${formPath(form)}/steps/1`, 303);
  }
}
