import { Column, Entity, PrimaryColumn } from 'typeorm';

/** POST /login attempts per client address in the current window, shared by every back-office process. */
@Entity('login_throttle')
export class LoginThrottleEntity {
  /** the client's IP address as the web server sees it (behind a proxy: X-Forwarded-For in production) */
  @PrimaryColumn({ name: 'client_key', type: 'varchar', length: 64 })
  clientKey!: string;

  @Column({ name: 'window_started_at', type: Date })
  windowStartedAt!: Date;

  @Column({ type: 'integer' })
  attempts!: number;
}
