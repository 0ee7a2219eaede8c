import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Applications per municipality, form, department, status and day received (JST); kept by triggers. */
@Entity('application_tally')
export class ApplicationTallyEntity {
  @PrimaryColumn({ name: 'municipality_code', type: 'varchar', length: 6 })
  municipalityCode!: string;

  @PrimaryColumn({ name: 'form_id', type: 'varchar', length: 100 })
  formId!: string;

  /** '' when the application's department is not known */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  department!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  status!: string;

  /** YYYY-MM-DD in Japan */
  @PrimaryColumn({ name: 'received_day', type: 'varchar', length: 10 })
  receivedDay!: string;

  @Column({ type: 'integer' })
  count!: number;
}
