import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ResidentDrafts } from '../pages/resident-drafts.service';
import QRCode from 'qrcode';
import { FormsRegistry } from '../forms/forms-registry.service';
import { DraftsService } from '../drafts/drafts.service';
import { ApplicationsService } from '../applications/applications.service';
import { CardSessionsService } from './card-sessions.service';
import { formPath } from '../pages/form-view.mapper';
import { readDraftId } from '../pages/draft-cookie';
import { Inject } from '@nestjs/common';
import { PORTAL_CONFIG } from '../config/portal-config.provider';
import type { PortalConfig } from '../config/portal.config';
import type { CardSessionEntity } from '../database/entities/card-session.entity';
import { handoffState, type HandoffState } from './handoff-state';
import { PortalError, PortalErrorCode } from '../portal.error';

/**
 * The resident's side of a card session (issue 4 §3): a QR code for the phone (PC), a button that opens the card
 * app (phone), a countdown and 「QRコードを更新する」; the page switches over by itself (SSE, polling as fallback).
 */
@ApiExcludeController()
@Controller('m/:code/forms/:formId')
export class HandoffController {
  constructor(
    private readonly registry: FormsRegistry,
    private readonly drafts: DraftsService,
    private readonly residentDrafts: ResidentDrafts,
    private readonly applications: ApplicationsService,
    private readonly sessions: CardSessionsService,
    @Inject(PORTAL_CONFIG) private readonly config: PortalConfig,
  ) {}

  @Post('cardface')
  async startCardface(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = this.registry.form(code, formId);
    if (form.identity !== 'cardface' && form.identity !== 'cardface+sign') {
      throw new PortalError(PortalErrorCode.StepNotFound, 'form has no card-face reading');
    }
    const draft = await this.drafts.get(readDraftId(req, form), form);
    const { session, token } = await this.sessions.open('cardface', form, draft);
    await this.renderHandoff(reply, form.municipalityCode, form.id, session, token);
  }

  @Post('sign')
  async startSigning(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { form, draft } = await this.residentDrafts.load(code, formId, req);
    const frozen = await this.applications.freeze(form, draft);
    if (!frozen.ok) {
      void reply.redirect(`${formPath(form)}/confirm`, 303);
      return;
    }
    const { session, token } = await this.sessions.open('sign', form, draft, frozen.document);
    await this.renderHandoff(reply, form.municipalityCode, form.id, session, token);
  }

  @Post('handoff/:id/refresh')
  async refresh(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { draft } = await this.residentDrafts.load(code, formId, req);
    const session = await this.sessions.forPage(id, draft);
    const token = await this.sessions.refresh(session);
    await this.renderHandoff(reply, code, formId, session, token);
  }

  /** Polling fallback: the same state the event stream sends. */
  @Get('handoff/:id/state')
  async state(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
  ): Promise<HandoffState> {
    const session = await this.ownedSession(code, formId, id, req);
    return handoffState(session, this.registry.form(code, formId));
  }

  /** Server-sent events: one `state` event whenever the session changes, until it is over or expired. */
  @Get('handoff/:id/events')
  async events(
    @Param('code') code: string,
    @Param('formId') formId: string,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = this.registry.form(code, formId);
    let session = await this.ownedSession(code, formId, id, req);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let last = '';
    let closed = false;
    req.raw.on('close', () => {
      closed = true;
    });
    const until = Date.now() + 15 * 60 * 1000;
    while (!closed && Date.now() < until) {
      const state = handoffState(session, form);
      const text = JSON.stringify(state);
      if (text !== last) {
        raw.write(`event: state\ndata: ${text}\n\n`);
        last = text;
      } else {
        raw.write(': keep-alive\n\n');
      }
      if (state.status !== 'open') {
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
      session = (await this.sessions.byId(id)) ?? session;
    }
    raw.end();
  }

  private async ownedSession(
    code: string,
    formId: string,
    id: string,
    req: FastifyRequest,
  ): Promise<CardSessionEntity> {
    const form = this.registry.form(code, formId);
    const draftId = readDraftId(req, form);
    const session = await this.sessions.byId(id);
    // After a signature the draft is gone: the page still owns the session through the draft id it had.
    if (!session || !draftId || session.draftId !== draftId) {
      throw new PortalError(PortalErrorCode.DraftExpired, 'no such session for this browser');
    }
    return session;
  }

  private async renderHandoff(
    reply: FastifyReply,
    code: string,
    formId: string,
    session: CardSessionEntity,
    token: string,
  ): Promise<void> {
    const form = this.registry.form(code, formId);
    const sessionApi = `${this.config.PORTAL_PUBLIC_URL}/api/signer/v1/sessions/${token}`;
    const qrUrl = `${this.config.PORTAL_PUBLIC_URL}/s/${token}`;
    const appLink = `madoguchi-signer://session?url=${encodeURIComponent(sessionApi)}`;
    // Server-rendered SVG (issue 4 §3): no script builds it; the URL is ours, never user input.
    const qrSvg = await QRCode.toString(qrUrl, {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    await reply.code(200).view('pages/handoff', {
      title:
        session.kind === 'sign'
          ? { ja: 'マイナンバーカードで署名', en: 'Sign with your My Number Card' }
          : { ja: 'マイナンバーカードで入力', en: 'Fill in with your My Number Card' },
      form,
      formPath: formPath(form),
      isSign: session.kind === 'sign',
      qrSvg,
      qrUrl,
      appLink,
      sessionId: session.id,
      expiresAt: session.expiresAt.toISOString(),
      minutes: 10,
      stateUrl: `${formPath(form)}/handoff/${session.id}/state`,
      eventsUrl: `${formPath(form)}/handoff/${session.id}/events`,
      refreshAction: `${formPath(form)}/handoff/${session.id}/refresh`,
      signerCommand: `npm run signer -- '${qrUrl}' --virtual-card data/demo-card.json`,
    });
  }
}
