import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CardSessionsService } from './card-sessions.service';
import { SignerApiService } from './signer-api.service';
import {
  CardfaceDetailsDto,
  CertificateDto,
  CompletedDto,
  DigestInfoDto,
  ErrorDto,
  FailureDto,
  SignatureDto,
  SignedDto,
  SignerSessionDto,
} from './signer-api.dto';

/**
 * The signer API (issue 4 §4): two-phase, so a card app in any language needs no CMS code. The session token from
 * the QR code or deep link is the only credential.
 */
@ApiTags('signer')
@ApiNotFoundResponse({ type: ErrorDto, description: 'unknown session' })
@ApiGoneResponse({ type: ErrorDto, description: 'session expired or already over' })
@Controller('api/signer/v1/sessions/:token')
export class SignerApiController {
  constructor(
    private readonly sessions: CardSessionsService,
    private readonly signer: SignerApiService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'What the session asks for, and for signing what the resident is about to sign',
  })
  @ApiOkResponse({ type: SignerSessionDto })
  session(@Param('token') token: string): Promise<SignerSessionDto> {
    return this.signer.describe(token);
  }

  @Post('cardface')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Card-face reading: the basic four details (never the individual number)',
  })
  @ApiOkResponse({ type: CompletedDto })
  @ApiUnprocessableEntityResponse({ type: ErrorDto })
  cardface(@Param('token') token: string, @Body() body: CardfaceDetailsDto): Promise<CompletedDto> {
    return this.signer.cardface(token, body);
  }

  @Post('certificate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Signing, phase 1: the signing certificate → the DigestInfo the card must sign',
  })
  @ApiOkResponse({ type: DigestInfoDto })
  @ApiUnprocessableEntityResponse({ type: ErrorDto })
  certificate(@Param('token') token: string, @Body() body: CertificateDto): Promise<DigestInfoDto> {
    return this.signer.certificate(token, body);
  }

  @Post('signature')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Signing, phase 2: the raw signature → CMS assembled and verified, receipt number',
  })
  @ApiOkResponse({ type: SignedDto })
  @ApiUnprocessableEntityResponse({ type: ErrorDto })
  signature(@Param('token') token: string, @Body() body: SignatureDto): Promise<SignedDto> {
    return this.signer.signature(token, body);
  }

  @Post('failure')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The card app could not finish (PIN blocked, card removed…): tell the resident’s page',
  })
  @ApiOkResponse({ type: CompletedDto })
  async failure(
    @Param('token') token: string,
    @Body() body: FailureDto,
  ): Promise<{ status: 'failed' }> {
    const session = await this.sessions.byToken(token);
    await this.signer.failure(session, body);
    return { status: 'failed' };
  }
}
