import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DraftsService } from './drafts.service';

/** Deletes expired drafts (and their attachment bytes) every ten minutes. */
@Injectable()
export class DraftPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DraftPurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly drafts: DraftsService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), 10 * 60 * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      const n = await this.drafts.purgeExpired();
      if (n > 0) {
        this.logger.log(`purged ${n} expired drafts`);
      }
    } catch (e) {
      this.logger.error(`draft purge failed: ${(e as Error).message}`);
    }
  }
}
