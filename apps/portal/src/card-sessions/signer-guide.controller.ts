import { Controller, Get, Inject, Param, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PORTAL_CONFIG } from '../config/portal-config.provider';
import type { PortalConfig } from '../config/portal.config';
import { CardSessionsService } from './card-sessions.service';

/** `/s/<token>`: what the QR code holds; the https fallback when the card app is not installed (issue 4 §3). */
@ApiExcludeController()
@Controller('s')
export class SignerGuideController {
  constructor(
    private readonly sessions: CardSessionsService,
    @Inject(PORTAL_CONFIG) private readonly config: PortalConfig,
  ) {}

  @Get(':token')
  @Render('pages/signer-guide')
  async guide(@Param('token') token: string) {
    const expired = await this.sessions.byToken(token).then(
      () => false,
      () => true,
    );
    return {
      title: { ja: 'まどぐち署名アプリ', en: 'madoguchi signer app' },
      sessionUrl: `${this.config.PORTAL_PUBLIC_URL}/s/${token}`,
      expired,
    };
  }
}
