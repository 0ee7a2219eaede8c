export { fiscalYearOf, isPastRetention, retentionEndDate } from './retention';
export { packageManifest, packageSha256, type PackageFileHash } from './package-hash';
export { foldFileName, safeFileNames } from './file-names';
export {
  renderRecordPdf,
  type RenditionInput,
  type RenditionRow,
  type RenditionSection,
} from './record-rendition';
