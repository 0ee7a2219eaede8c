import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { localize } from '@madoguchi/common';
import type { LocalizedText } from '@madoguchi/forms';
import { PortalError, residentMessage } from '../portal.error';

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
    if (exception instanceof PortalError) {
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
      }
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
