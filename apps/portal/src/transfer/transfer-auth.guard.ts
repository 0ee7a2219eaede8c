import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TransferAuthError, verifyTransferRequest } from '@madoguchi/transfer';
import { PORTAL_CONFIG } from '../config/portal-config.provider';
import { transferKey, type PortalConfig } from '../config/portal.config';
import { TransferService } from './transfer.service';

/**
 * Only the back office may call the transfer API: HMAC over method, path, body and timestamp (libs/transfer),
 * and each nonce once. A tampered, stale or replayed request gets 401 and changes nothing.
 */
@Injectable()
export class TransferAuthGuard implements CanActivate {
  constructor(
    @Inject(PORTAL_CONFIG) private readonly config: PortalConfig,
    private readonly transfer: TransferService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    try {
      const { nonce } = verifyTransferRequest(
        transferKey(this.config),
        req.method,
        req.url,
        req.headers,
        req.rawBody ?? new Uint8Array(),
      );
      await this.transfer.useNonce(nonce);
      return true;
    } catch (e) {
      if (e instanceof TransferAuthError) {
        throw new UnauthorizedException({ error: e.code, message: e.message });
      }
      throw e;
    }
  }
}
