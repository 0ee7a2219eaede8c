import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import type { PackageFormat } from '../../archive/bagit/bag-writers';
import type { ConnectorKind } from '../../archive/connectors/connector-settings';
import { MunicipalityEntity } from './municipality.entity';

/** An archive connector of one municipality, configured by 管理者 (issue 6 §3). */
@Entity('archive_connector')
@Unique('UQ_archive_connector_name', ['municipalityCode', 'name'])
export class ArchiveConnectorEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'municipality_code', type: 'varchar', length: 6 })
  municipalityCode!: string;

  @ManyToOne(() => MunicipalityEntity)
  @JoinColumn({ name: 'municipality_code' })
  municipality?: MunicipalityEntity;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: ConnectorKind;

  @Column({ type: 'varchar', length: 16 })
  format!: PackageFormat;

  /** the settings that may be shown (URL, bucket, folder, user name), JSON */
  @Column({ type: 'simple-json' })
  settings!: Record<string, string>;

  /** the secret (password, secret access key, HMAC key): never rendered, never logged */
  @Column({ type: 'text', nullable: true })
  secret!: string | null;

  /** the forms whose records it receives; empty: every form of the municipality */
  @Column({ name: 'form_ids', type: 'simple-json' })
  formIds!: string[];

  @Column({ name: 'is_enabled', type: 'boolean' })
  isEnabled!: boolean;

  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts!: number;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
