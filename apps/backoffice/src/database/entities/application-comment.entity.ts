import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { StaffUserEntity } from './staff-user.entity';

/** A staff-only note on an application; never sent to the portal or shown to the resident. */
@Entity('application_comment')
@Index('IDX_application_comment_application', ['applicationId', 'id'])
export class ApplicationCommentEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ name: 'application_id', type: 'varchar', length: 36 })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  @Column({ name: 'author_id', type: 'varchar', length: 36 })
  authorId!: string;

  @ManyToOne(() => StaffUserEntity)
  @JoinColumn({ name: 'author_id' })
  author?: StaffUserEntity;

  @Column({ type: 'text' })
  body!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
