import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThan, type DataSource } from 'typeorm';
import type { FormDefinition } from '@madoguchi/forms';
import {
  CardSessionEntity,
  type CardFailureReason,
  type CardSessionKind,
} from '../database/entities/card-session.entity';
import { DraftEntity, type CardfaceDetails } from '../database/entities/draft.entity';
import { CardSessionError, CardSessionErrorCode } from './card-session.error';
import { cardfaceValues } from './cardface-autofill';

export const CARD_SESSION_TTL_MS = 10 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const CARDFACE_KEYS = ['name', 'address', 'birthdate', 'sex'] as const;

/** Card-read and signing sessions (issue 4 §3): random single-use tokens, valid 10 minutes. */
@Injectable()
export class CardSessionsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private get sessions() {
    return this.db.getRepository(CardSessionEntity);
  }

  async open(
    kind: CardSessionKind,
    form: FormDefinition,
    draft: DraftEntity,
    document?: { text: string; sha256: string },
  ): Promise<{ session: CardSessionEntity; token: string }> {
    const token = randomBytes(16).toString('base64url');
    const now = new Date();
    const session = this.sessions.create({
      id: randomBytes(16).toString('hex'),
      tokenHash: hashToken(token),
      kind,
      draftId: draft.id,
      municipalityCode: form.municipalityCode,
      formId: form.id,
      status: 'open',
      failureReason: null,
      document: document?.text ?? null,
      documentSha256: document?.sha256 ?? null,
      signedAttributes: null,
      certificate: null,
      resultPath: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + CARD_SESSION_TTL_MS),
      completedAt: null,
    });
    await this.sessions.insert(session);
    return { session, token };
  }

  /** 「QRコードを更新する」: a new token and ten more minutes; the old token stops working at once. */
  async refresh(session: CardSessionEntity): Promise<string> {
    if (session.status !== 'open') {
      throw new CardSessionError(CardSessionErrorCode.Closed, 'session is over');
    }
    const token = randomBytes(16).toString('base64url');
    session.tokenHash = hashToken(token);
    session.expiresAt = new Date(Date.now() + CARD_SESSION_TTL_MS);
    session.signedAttributes = null;
    session.certificate = null;
    await this.sessions.save(session);
    return token;
  }

  /** The session a card app's token opens; an expired or finished one is refused (410). */
  async byToken(token: string, kind?: CardSessionKind): Promise<CardSessionEntity> {
    const session = /^[A-Za-z0-9_-]{22}$/.test(token)
      ? await this.sessions.findOneBy({ tokenHash: hashToken(token) })
      : null;
    if (!session) {
      throw new CardSessionError(CardSessionErrorCode.NotFound, 'no such session');
    }
    if (session.status !== 'open') {
      throw new CardSessionError(CardSessionErrorCode.Closed, `session ${session.status}`);
    }
    if (session.expiresAt.getTime() < Date.now()) {
      throw new CardSessionError(CardSessionErrorCode.Expired, 'session expired');
    }
    if (kind && session.kind !== kind) {
      throw new CardSessionError(CardSessionErrorCode.WrongKind, `not a ${kind} session`);
    }
    return session;
  }

  /** The session as the resident's own page sees it (owned through the draft cookie). */
  async forPage(id: string, draft: DraftEntity): Promise<CardSessionEntity> {
    const session = /^[0-9a-f]{32}$/.test(id) ? await this.sessions.findOneBy({ id }) : null;
    if (!session || session.draftId !== draft.id) {
      throw new CardSessionError(CardSessionErrorCode.NotFound, 'no such session for this draft');
    }
    return session;
  }

  async byId(id: string): Promise<CardSessionEntity | null> {
    return /^[0-9a-f]{32}$/.test(id) ? this.sessions.findOneBy({ id }) : null;
  }

  async save(session: CardSessionEntity): Promise<void> {
    await this.sessions.save(session);
  }

  async fail(session: CardSessionEntity, reason: CardFailureReason): Promise<void> {
    await this.sessions.update(
      { id: session.id, status: 'open' },
      { status: 'failed', failureReason: reason, completedAt: new Date() },
    );
  }

  /**
   * Card-face reading done: the basic four fill the form's autofill fields in the draft, in one transaction with
   * closing the session. Only the four details are accepted (never the individual number).
   */
  async completeCardface(
    session: CardSessionEntity,
    form: FormDefinition,
    body: unknown,
  ): Promise<void> {
    const details = parseCardfaceDetails(body);
    await this.db.transaction(async (tx) => {
      const draft = await tx.findOneBy(DraftEntity, { id: session.draftId });
      if (!draft) {
        throw new CardSessionError(CardSessionErrorCode.Closed, 'the draft is gone');
      }
      draft.rawValues = { ...draft.rawValues, ...cardfaceValues(form, details) };
      draft.cardface = details;
      draft.updatedAt = new Date();
      await tx.save(draft);
      const closed = await tx.update(
        CardSessionEntity,
        { id: session.id, status: 'open' },
        { status: 'completed', completedAt: new Date() },
      );
      if ((closed.affected ?? 0) !== 1) {
        throw new CardSessionError(CardSessionErrorCode.Closed, 'session already used');
      }
    });
  }

  async purgeExpired(now = new Date()): Promise<void> {
    await this.sessions.delete({ expiresAt: LessThan(new Date(now.getTime() - 24 * 3600 * 1000)) });
  }
}

/** Exactly the four details, in the card's formats (JPKI.md §3.1); anything else is refused. */
export function parseCardfaceDetails(body: unknown): CardfaceDetails {
  const b = body as Record<string, unknown> | null;
  const invalid = (why: string): never => {
    throw new CardSessionError(CardSessionErrorCode.InvalidDetails, why);
  };
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    return invalid('not an object');
  }
  const extra = Object.keys(b).filter((k) => !(CARDFACE_KEYS as readonly string[]).includes(k));
  if (extra.length > 0) {
    return invalid(`unexpected keys: ${extra.join(', ')}`);
  }
  const { name, address, birthdate, sex } = b;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
    return invalid('name');
  }
  if (typeof address !== 'string' || address.trim() === '' || address.length > 200) {
    return invalid('address');
  }
  if (typeof birthdate !== 'string' || !/^\d{8}$/.test(birthdate)) {
    return invalid('birthdate');
  }
  if (typeof sex !== 'string' || !/^[0129]$/.test(sex)) {
    return invalid('sex');
  }
  // A 12-digit run is what an individual number looks like: never accept one, wherever it hides.
  if (/\d{12}/.test(`${name}${address}`.normalize('NFKC'))) {
    return invalid('a 12-digit number in the details');
  }
  return { name, address, birthdate, sex, readAt: new Date().toISOString() };
}
