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

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
