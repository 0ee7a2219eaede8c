import { messages } from './answer.messages';
import type { FieldDefinition, LocalizedText } from './form-definition';

export const DEFAULT_ACCEPT: readonly string[] = ['application/pdf', 'image/jpeg', 'image/png'];
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 5;

/** MIME types the content sniffer recognises: the only ones a form may accept. text/plain is never trusted. */
export const SNIFFABLE_TYPES: readonly string[] = [
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/heif',
];

const TYPE_NAMES: Record<string, string> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/gif': 'GIF',
  'image/webp': 'WebP',
  'image/heic': 'HEIC',
  'image/heif': 'HEIF',
};

const EXTENSION_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return (
    bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b)
  );
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** The type the bytes really are, from their magic numbers; undefined when not one we recognise. */
export function sniffMimeType(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, ascii('%PDF-'))) {
    return 'application/pdf';
  }
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return 'image/png';
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) {
    return 'image/jpeg';
  }
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) {
    return 'image/gif';
  }
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) {
    return 'image/webp';
  }
  // ISO BMFF (ISO/IEC 14496-12 §4.3): box size, 'ftyp', major brand, minor version, compatible brands.
  if (startsWith(bytes, ascii('ftyp'), 4) && bytes.length >= 12) {
    const boxEnd = Math.min(bytes.length, new DataView(bytes.buffer, bytes.byteOffset).getUint32(0));
    const brandOffsets = [8];
    for (let at = 16; at + 4 <= boxEnd; at += 4) {
      brandOffsets.push(at);
    }
    const brands = brandOffsets.map((at) => String.fromCharCode(...bytes.subarray(at, at + 4)));
    if (['avif', 'avis'].includes(brands[0])) {
      return undefined; // AV1 in a HEIF container: not an image type forms accept
    }
    if (brands.some((b) => ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx'].includes(b))) {
      return 'image/heic';
    }
    if (brands.some((b) => ['mif1', 'msf1'].includes(b))) {
      return 'image/heif';
    }
  }
  return undefined;
}

/** 'application/pdf' → 'PDF', for messages to residents. */
export function describeTypes(types: readonly string[]): string[] {
  return types.map((t) => TYPE_NAMES[t] ?? t);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    return `${Math.floor((bytes / (1024 * 1024)) * 10) / 10}MB`;
  }
  if (bytes >= 1024) {
    return `${Math.floor((bytes / 1024) * 10) / 10}KB`;
  }
  return `${bytes}B`;
}

/**
 * Checks one uploaded file against a file field: size, and the type its content really has (the name only has to
 * agree with it; a .pdf name on PNG bytes is a disguised file and refused). Returns what to fix, or undefined.
 */
export function checkAttachment(
  field: FieldDefinition,
  fileName: string,
  bytes: Uint8Array,
): LocalizedText | undefined {
  const accept = field.accept ?? DEFAULT_ACCEPT;
  const maxBytes = field.maxBytes ?? DEFAULT_MAX_BYTES;
  const types = describeTypes(accept);
  if (bytes.length === 0) {
    return messages.fileEmpty(field.label);
  }
  if (bytes.length > maxBytes) {
    return messages.fileTooLarge(field.label, formatBytes(maxBytes));
  }
  const sniffed = sniffMimeType(bytes);
  const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (sniffed !== undefined && extension !== undefined && EXTENSION_TYPES[extension] !== sniffed) {
    const heif = ['image/heic', 'image/heif'];
    const sameFamily = heif.includes(sniffed) && heif.includes(EXTENSION_TYPES[extension] ?? '');
    if (!sameFamily) {
      return messages.fileDisguised(field.label, `.${extension}`, types);
    }
  }
  if (sniffed === undefined || !accept.includes(sniffed)) {
    return messages.fileType(field.label, types);
  }
  return undefined;
}
