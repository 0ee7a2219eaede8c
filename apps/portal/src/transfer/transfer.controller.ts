import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { TransferApplicationsResponse } from '@madoguchi/transfer';
import { TransferAuthGuard } from './transfer-auth.guard';
import { isStatusUpdate, TransferService } from './transfer.service';

/** Transfer API for the back office only (issue 2 §7). The portal never calls the back office. */
@ApiExcludeController()
@Controller('transfer/v1')
@UseGuards(TransferAuthGuard)
export class TransferController {
  constructor(private readonly transfer: TransferService) {}

  @Get('applications')
  async applications(@Query('limit') limit?: string): Promise<TransferApplicationsResponse> {
    return { applications: await this.transfer.pending(Number(limit ?? 20) || 20) };
  }

  @Post('applications/:id/ack')
  @HttpCode(200)
  async acknowledge(@Param('id') id: string): Promise<{ acknowledged: true }> {
    if (!(await this.transfer.acknowledge(id))) {
      throw new NotFoundException({ error: 'UNKNOWN_APPLICATION' });
    }
    return { acknowledged: true };
  }

  @Post('status')
  @HttpCode(200)
  status(@Body() body: { updates?: unknown }): Promise<{ applied: number; unknown: string[] }> {
    const updates = body?.updates;
    if (!Array.isArray(updates) || updates.length > 500 || !updates.every(isStatusUpdate)) {
      throw new BadRequestException({ error: 'INVALID_STATUS_UPDATES' });
    }
    return this.transfer.applyStatus(updates);
  }
}
