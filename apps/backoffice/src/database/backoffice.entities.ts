import { ApplicationEntity } from './entities/application.entity';
import { ApplicationCommentEntity } from './entities/application-comment.entity';
import { ApplicationIdentityEntity } from './entities/application-identity.entity';
import { ArchiveConnectorEntity } from './entities/archive-connector.entity';
import { ArchiveDeliveryEntity } from './entities/archive-delivery.entity';
import { ApplicationTallyEntity } from './entities/application-tally.entity';
import { AttachmentEntity } from './entities/attachment.entity';
import { MunicipalityEntity } from './entities/municipality.entity';
import { StaffSessionEntity } from './entities/staff-session.entity';
import { StaffUserEntity } from './entities/staff-user.entity';
import { StatusChangeEntity } from './entities/status-change.entity';
import { StatusOutboxEntity } from './entities/status-outbox.entity';
import { RevocationCheckEntity } from './entities/revocation-check.entity';
import { RecordEntity } from './entities/record.entity';
import { RecordFileEntity } from './entities/record-file.entity';
import { RecordDisposalEntity } from './entities/record-disposal.entity';
import { InitialSchema1763900000000 } from '../migrations/1763900000000-InitialSchema';
import { ApplicationIdentity1764000000000 } from '../migrations/1764000000000-ApplicationIdentity';
import { StaffAccounts1764200000000 } from '../migrations/1764200000000-StaffAccounts';
import { ReviewWorkflow1764400000000 } from '../migrations/1764400000000-ReviewWorkflow';
import { Records1764500000000 } from '../migrations/1764500000000-Records';
import { ArchiveDelivery1764600000000 } from '../migrations/1764600000000-ArchiveDelivery';
import { RevocationCheck1764700000000 } from '../migrations/1764700000000-RevocationCheck';
import { AssigneeListIndex1764800000000 } from '../migrations/1764800000000-AssigneeListIndex';
import { ApplicationSearch1764300000000 } from '../migrations/1764300000000-ApplicationSearch';
import { StaffDepartmentsAuditLog1764100000000 } from '../migrations/1764100000000-StaffDepartmentsAuditLog';
import {
  AuditChainHeadEntity,
  AuditLogEntity,
  AuditVerifyCheckpointEntity,
} from './entities/audit-log.entity';
import { DisposalRegister1765000000000 } from '../migrations/1765000000000-DisposalRegister';
import { LoginThrottleEntity } from './entities/login-throttle.entity';
import { StaffSecurity1764900000000 } from '../migrations/1764900000000-StaffSecurity';

export const BACKOFFICE_ENTITIES = [
  MunicipalityEntity,
  StaffUserEntity,
  StaffSessionEntity,
  ApplicationEntity,
  AttachmentEntity,
  StatusChangeEntity,
  StatusOutboxEntity,
  ApplicationIdentityEntity,
  ArchiveConnectorEntity,
  ArchiveDeliveryEntity,
  ApplicationCommentEntity,
  RevocationCheckEntity,
  ApplicationTallyEntity,
  RecordEntity,
  RecordFileEntity,
  RecordDisposalEntity,
  AuditLogEntity,
  AuditChainHeadEntity,
  AuditVerifyCheckpointEntity,
  LoginThrottleEntity,
];

/** In order; a committed migration is never edited (STYLE.md). */
export const BACKOFFICE_MIGRATIONS = [
  InitialSchema1763900000000,
  ApplicationIdentity1764000000000,
  StaffDepartmentsAuditLog1764100000000,
  StaffAccounts1764200000000,
  ApplicationSearch1764300000000,
  ReviewWorkflow1764400000000,
  Records1764500000000,
  ArchiveDelivery1764600000000,
  RevocationCheck1764700000000,
  AssigneeListIndex1764800000000,
  StaffSecurity1764900000000,
  DisposalRegister1765000000000,
];
