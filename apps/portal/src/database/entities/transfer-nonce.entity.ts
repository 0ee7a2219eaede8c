import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Nonces of accepted transfer requests, kept for the time window so a replay is refused even after a restart. */
@Entity('transfer_nonce')
export class TransferNonceEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  nonce!: string;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;
}
