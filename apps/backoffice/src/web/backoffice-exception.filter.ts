import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { LocalizedText } from '@madoguchi/forms';
import type { FastifyReply } from 'fastify';
import { ApplicationError, ApplicationErrorCode } from '../applications/application.error';
import { AuthError, AuthErrorCode } from '../auth/auth.error';
import { SearchError } from '../search/search-filter';
import { StaffAdminError, StaffAdminErrorCode } from '../staff/staff-admin.error';
import { RecordError, RecordErrorCode } from '../records/record.error';
import {
  applicationErrorMessage,
  authErrorMessage,
  searchErrorMessage,
  recordErrorMessage,
  staffAdminErrorMessage,
} from './error-messages';
import {
  PasswordChangeRequired,
  SESSION_COOKIE,
  type StaffRequest,
  SecondFactorRequired,
  TotpEnrolmentRequired,
} from './session.guard';

const GENERIC: Record<number, LocalizedText> = {
  403: {
    ja: '操作を受け付けられませんでした。画面を開き直してから、もう一度操作してください。',
    en: 'The request was refused. Reload the page and try again.',
  },
  404: { ja: 'ページが見つかりません。', en: 'Page not found.' },
  500: {
    ja: 'システムの内部でエラーが起きました。時間をおいてもう一度お試しください。',
    en: 'Something went wrong inside the system. Please try again later.',
  },
};

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) {
    return exception.getStatus();
  }
  // Fastify errors from hooks (CSRF: FST_CSRF_MISSING_SECRET / FST_CSRF_INVALID_TOKEN) carry their status
  const code = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}

/** Maps every error to a page once, at the edge (STYLE.md, errors). */
@Catch()
export class BackofficeExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('BackofficeExceptionFilter');

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof AuthError && exception.code === AuthErrorCode.NotLoggedIn) {
      await reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/login', 303);
      return;
    }
    if (exception instanceof PasswordChangeRequired) {
      await reply.redirect('/password', 303);
      return;
    }
    if (exception instanceof SecondFactorRequired) {
      await reply.redirect('/login/totp', 303);
      return;
    }
    if (exception instanceof TotpEnrolmentRequired) {
      await reply.redirect('/account/totp', 303);
      return;
    }
    let status: number;
    let message: LocalizedText;
    if (exception instanceof ApplicationError) {
      const isMissing =
        exception.code === ApplicationErrorCode.NotFound ||
        exception.code === ApplicationErrorCode.AttachmentNotFound;
      const isForbidden =
        exception.code === ApplicationErrorCode.NotPermitted ||
        exception.code === ApplicationErrorCode.RevocationCheckNotPermitted;
      const isGone = exception.code === ApplicationErrorCode.Disposed;
      status = isMissing ? 404 : isForbidden ? 403 : isGone ? 410 : 400;
      message = applicationErrorMessage(exception.code);
    } else if (exception instanceof StaffAdminError) {
      status =
        exception.code === StaffAdminErrorCode.NotFound
          ? 404
          : exception.code === StaffAdminErrorCode.NotPermitted
            ? 403
            : 400;
      message = staffAdminErrorMessage(exception.code);
    } else if (exception instanceof SearchError) {
      status = 400;
      message = searchErrorMessage(exception.code);
    } else if (exception instanceof RecordError) {
      status =
        exception.code === RecordErrorCode.NotFound ||
        exception.code === RecordErrorCode.FileNotFound
          ? 404
          : exception.code === RecordErrorCode.NotPermitted
            ? 403
            : 409;
      message = recordErrorMessage(exception.code);
    } else if (exception instanceof AuthError) {
      status = exception.code === AuthErrorCode.RoleNotPermitted ? 403 : 400;
      message = authErrorMessage(exception.code);
    } else {
      status = statusOf(exception);
      message = GENERIC[status] ?? GENERIC[status >= 500 ? 500 : 403];
      if (status >= 500) {
        this.logger.error(
          exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
        );
      }
    }
    // a logged-in staff member keeps the header (name, log out) on the error page too
    const staff = host.switchToHttp().getRequest<StaffRequest>().staff;
    await reply.code(status).view('error', {
      status,
      message,
      ...(staff ? { staff: { displayName: staff.displayName, loginId: staff.loginId } } : {}),
    });
  }
}
