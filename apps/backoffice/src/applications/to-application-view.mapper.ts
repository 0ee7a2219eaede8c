import type { FormDefinition, LocalizedText } from '@madoguchi/forms';
import { STATUS_LABELS, type ApplicationStatus } from '@madoguchi/transfer';
import type { ApplicationEntity } from '../database/entities/application.entity';
import type { ApplicationDetail, Assignee } from './applications.service';
import { allowedTransitions, STATUSES_NEEDING_MESSAGE } from './status-transition';
import { toAnswerSections, type AnswerSection } from './to-answer-rows.mapper';
import { toIdentityView } from './to-identity-view.mapper';
import { enteredBasicFour } from '../transfer/identity-comparison';

export interface StatusView {
  value: ApplicationStatus;
  label: LocalizedText;
}

function statusView(status: ApplicationStatus): StatusView {
  return { value: status, label: STATUS_LABELS[status] };
}

function title(a: ApplicationEntity): LocalizedText {
  return a.titleEn ? { ja: a.titleJa, en: a.titleEn } : { ja: a.titleJa };
}

export function toDetailView(
  detail: ApplicationDetail,
  form: FormDefinition | undefined,
  staff: { id: string },
  staffNames: Map<string, string>,
  assignees: Assignee[] = [],
) {
  const { application: a, attachments, history } = detail;
  const isClosedByCorrection = a.correctedByReceiptNumber !== null;
  const byPortalId = new Map(attachments.map((x) => [x.portalAttachmentId, x.id]));
  const sections: AnswerSection[] = toAnswerSections(form, a.answers, (id) => byPortalId.get(id));
  const transitions = allowedTransitions(a.status).map((s) => ({
    ...statusView(s),
    needsMessage: STATUSES_NEEDING_MESSAGE.includes(s),
  }));
  return {
    id: a.id,
    receiptNumber: a.receiptNumber,
    title: title(a),
    formId: a.formId,
    formVersion: a.formVersion,
    isFormKnown: form !== undefined && form.version === a.formVersion,
    status: statusView(a.status),
    statusVersion: a.statusVersion,
    submittedAt: a.submittedAt.toISOString(),
    receivedAt: a.receivedAt.toISOString(),
    sections,
    attachments: attachments.map((x) => ({
      id: x.id,
      name: x.fileName,
      size: x.size,
      type: x.mediaType,
      sha256: x.sha256,
    })),
    history: history.map((h) => ({
      from: statusView(h.fromStatus),
      to: statusView(h.toStatus),
      by: staffNames.get(h.changedBy) ?? h.changedBy,
      at: h.changedAt.toISOString(),
      reason: h.reason ?? '',
    })),
    canChange: detail.mayReview && !isClosedByCorrection && transitions.length > 0,
    mayReview: detail.mayReview,
    isClosedByCorrection,
    transitions,
    department: detail.department ?? '',
    assignee: a.assigneeId
      ? { name: staffNames.get(a.assigneeId) ?? a.assigneeId, isMe: a.assigneeId === staff.id }
      : null,
    assignees: assignees.map((x) => ({ ...x, isCurrent: x.id === a.assigneeId })),
    comments: detail.comments.map((c) => ({
      by: staffNames.get(c.authorId) ?? c.authorId,
      at: c.createdAt.toISOString(),
      body: c.body,
    })),
    corrects: detail.links.corrects,
    correctedBy: detail.links.correctedBy,
    identity: toIdentityView(detail.identity, enteredBasicFour(form, a.answers), {
      applicationId: a.id,
      checks: detail.revocationChecks,
      staffNames,
      canCheck: detail.mayReview,
    }),
  };
}
