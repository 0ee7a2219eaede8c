import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('municipality')
export class MunicipalityEntity {
  /** 全国地方公共団体コード */
  @PrimaryColumn({ type: 'varchar', length: 6 })
  code!: string;

  @Column({ name: 'name_ja', type: 'varchar', length: 200 })
  nameJa!: string;

  @Column({ name: 'name_en', type: 'varchar', length: 200, nullable: true })
  nameEn!: string | null;

  /** staff must log in with a TOTP code as well (a 管理者 turns it on) */
  @Column({ name: 'is_totp_required', type: Boolean, default: false })
  isTotpRequired!: boolean;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
