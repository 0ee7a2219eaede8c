export * from './form-definition';
export type { FormIssue } from './form-issue';
export { formatIssue } from './form-issue';
export { FormsError, FormsErrorCode } from './forms.error';
export { isMunicipalityCode, municipalityCheckDigit } from './municipality-code';
export { parseFormDefinition, type ParseFormOptions, type ParsedForm } from './form-definition.parser';
export {
  loadFormsDirectory,
  loadMunicipalityDirectory,
  type LoadedForms,
} from './forms-directory.loader';
export { answersToRawValues } from './answers-to-raw';
export { isConditionMet, effectiveAnswers, visibleSections, visibleFields } from './visibility';
export {
  validateAnswers,
  resolveDateLimit,
  DEFAULT_MAX_LENGTH,
  type RawAnswers,
  type ValidateAnswersOptions,
  type AnswersValidation,
} from './answers.validator';
export {
  formatJapaneseDate,
  parseIsoDate,
  todayInJapan,
  type CalendarDate,
} from './japanese-date.formatter';
export {
  sniffMimeType,
  checkAttachment,
  describeTypes,
  DEFAULT_ACCEPT,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_FILES,
  SNIFFABLE_TYPES,
} from './attachment.validator';
export {
  buildCanonicalDocument,
  CANONICAL_DOCUMENT_FORMAT,
  CanonicalDocumentError,
  CanonicalDocumentErrorCode,
  type CanonicalDocument,
  type CanonicalDocumentInput,
  type CanonicalDocumentJson,
  type CanonicalAttachment,
  type JsonValue,
} from './canonical-document';
