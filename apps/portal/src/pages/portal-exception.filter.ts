import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { localize } from '@madoguchi/web';
import type { LocalizedText } from '@madoguchi/forms';
import { PortalError, PortalErrorCode, residentMessage } from '../portal.error';
import { CardSessionError, cardSessionMessage } from '../card-sessions/card-session.error';

const GENERIC: LocalizedText = {
  ja: '申し訳ありません。エラーが発生しました。時間をおいて、もう一度お試しください。',
  en: 'Sorry, something went wrong. Please try again in a little while.',
};

/** Maps domain errors once, at the edge: a Japanese page for residents, JSON for the APIs. */
@Catch()
export class PortalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(PortalExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const isApi = req.url.startsWith('/transfer/') || req.url.startsWith('/api/');
    let status = 500;
    let text = GENERIC;
    let code = 'INTERNAL';
    if (exception instanceof CardSessionError) {
      ({ status, text } = cardSessionMessage(exception.code));
      code = exception.code;
      if (isApi) {
        void reply.code(status).send({ error: code, message: text });
        return;
      }
    } else if (exception instanceof PortalError) {
      ({ status, text } = residentMessage(exception.code));
      code = exception.code;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      code = `HTTP_${status}`;
      if (isApi) {
        void reply.code(status).send(exception.getResponse());
        return;
      }
      if (status === 404) {
        text = { ja: 'ページが見つかりませんでした。', en: 'Page not found.' };
      } else if (status === 403 || status === 413 || status === 400) {
        // Fastify plugin errors (CSRF, upload limits) reach the filter as HttpExceptions of their status.
        ({ status, text } = fastifyErrorMessage({
          code: status === 403 ? 'FST_CSRF' : 'FST_HTTP',
          statusCode: status,
        }));
      }
    } else if (isFastifyError(exception)) {
      ({ status, text } = fastifyErrorMessage(exception));
      code = exception.code;
    } else {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : exception,
      );
    }
    if (isApi) {
      void reply.code(status).send({ error: code, message: localize(text, 'en') });
      return;
    }
    void reply
      .code(status)
      .view('pages/error', { title: { ja: 'エラー', en: 'Error' }, message: text, status });
  }
}

interface FastifyError {
  code: string;
  statusCode: number;
}

function isFastifyError(e: unknown): e is FastifyError {
  const x = e as Partial<FastifyError> | null;
  return (
    typeof x?.code === 'string' && x.code.startsWith('FST_') && typeof x.statusCode === 'number'
  );
}

/** Errors raised by Fastify plugins before a handler runs (CSRF, upload limits, bad bodies). */
function fastifyErrorMessage(e: FastifyError): { status: number; text: LocalizedText } {
  if (e.code.startsWith('FST_CSRF')) {
    return {
      status: 403,
      text: {
        ja: 'ページの有効期限が切れたため、送信できませんでした。入力済みの内容は保存されています。ページを開き直してから、もう一度送信してください。',
        en: 'The page had expired, so it could not be sent. What you saved is kept. Please reload the page and send it again.',
      },
    };
  }
  if (e.statusCode === 413 || e.code.includes('TOO_LARGE') || e.code.includes('LIMIT')) {
    return residentMessage(PortalErrorCode.UploadTooLarge);
  }
  return {
    status: e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 400,
    text: {
      ja: '送信された内容を読み取れませんでした。ページを開き直して、もう一度お試しください。',
      en: 'What was sent could not be read. Please reload the page and try again.',
    },
  };
}
