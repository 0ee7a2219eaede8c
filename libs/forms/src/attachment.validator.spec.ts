import fc from 'fast-check';
import { checkAttachment, DEFAULT_MAX_BYTES, sniffMimeType } from './attachment.validator';
import { field } from './testing/form.factory';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)));

const PDF = bytes('%PDF-1.7\n%âãÏÓ\n1 0 obj\n');
const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR');
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF');
const GIF = bytes('GIF89a', [1, 0, 1, 0]);
const WEBP = bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ');
const HEIC = bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1heic');
const TEXT = bytes('hello, this is plain text');

describe('sniffMimeType', () => {
  it.each([
    ['PDF', PDF, 'application/pdf'],
    ['PNG', PNG, 'image/png'],
    ['JPEG', JPEG, 'image/jpeg'],
    ['GIF', GIF, 'image/gif'],
    ['WebP', WEBP, 'image/webp'],
    ['HEIC', HEIC, 'image/heic'],
  ])('recognises %s', (_name, content, type) => {
    expect(sniffMimeType(content)).toBe(type);
  });

  it('reads HEIC from the compatible brands and leaves other ISO media files out', () => {
    expect(sniffMimeType(bytes([0, 0, 0, 0x18], 'ftypmif1', [0, 0, 0, 0], 'mif1heic'))).toBe('image/heic');
    expect(sniffMimeType(bytes([0, 0, 0, 0x14], 'ftypmif1', [0, 0, 0, 0], 'mif1'))).toBe('image/heif');
    expect(sniffMimeType(bytes([0, 0, 0, 0x14], 'ftypisom', [0, 0, 2, 0], 'mp41'))).toBeUndefined();
    expect(sniffMimeType(bytes([0, 0, 0, 0x14], 'ftypavif', [0, 0, 0, 0], 'mif1'))).toBeUndefined();
  });

  it('never trusts plain text, HTML or truncated signatures', () => {
    expect(sniffMimeType(TEXT)).toBeUndefined();
    expect(sniffMimeType(bytes('<html><script>alert(1)</script>'))).toBeUndefined();
    expect(sniffMimeType(bytes([0x89, 0x50, 0x4e]))).toBeUndefined();
    expect(sniffMimeType(new Uint8Array())).toBeUndefined();
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const type = sniffMimeType(b);
        return type === undefined || typeof type === 'string';
      }),
    );
  });
});

describe('checkAttachment', () => {
  const sut = field({
    id: 'insurance',
    type: 'file',
    label: { ja: '保険証の写し', en: 'insurance card copy' },
    accept: ['application/pdf', 'image/jpeg', 'image/png'],
    maxBytes: 1024,
  });

  it('accepts a file whose content and name agree', () => {
    expect(checkAttachment(sut, 'scan.pdf', PDF)).toBeUndefined();
    expect(checkAttachment(sut, 'IMG_0001.JPG', JPEG)).toBeUndefined();
    expect(checkAttachment(sut, 'no-extension', PNG)).toBeUndefined();
  });

  it('refuses a disguised file: a .pdf name on PNG bytes', () => {
    expect(checkAttachment(sut, 'scan.pdf', PNG)).toEqual({
      ja: '保険証の写しのファイルは、名前（.pdf）と中身の形式が一致しません。PDF、JPEG、PNGのいずれかの形式のファイルをそのまま添付してください',
      en: 'The file for insurance card copy is not what its name (.pdf) says. Attach an unaltered file of one of: PDF, JPEG, PNG.',
    });
  });

  it('refuses content it cannot recognise even under an accepted name', () => {
    expect(checkAttachment(sut, 'scan.pdf', TEXT)?.ja).toBe(
      '保険証の写しはPDF、JPEG、PNGのいずれかの形式のファイルを添付してください',
    );
  });

  it('refuses a recognised type the field does not accept', () => {
    expect(checkAttachment(sut, 'anim.gif', GIF)?.ja).toBe(
      '保険証の写しはPDF、JPEG、PNGのいずれかの形式のファイルを添付してください',
    );
  });

  it('refuses an oversize file, by its bytes', () => {
    const big = new Uint8Array(1025);
    big.set(PDF);
    expect(checkAttachment(sut, 'scan.pdf', big)).toEqual({
      ja: '保険証の写しのファイルは1KB以下にしてください',
      en: 'The file for insurance card copy must be 1KB or smaller.',
    });
  });

  it('refuses an empty file', () => {
    expect(checkAttachment(sut, 'scan.pdf', new Uint8Array())?.ja).toBe(
      '保険証の写しのファイルが空です。中身のあるファイルを添付してください',
    );
  });

  it('uses PDF/JPEG/PNG and 10 MB when the field sets no limits', () => {
    const open = field({ id: 'doc', type: 'file' });
    expect(checkAttachment(open, 'a.png', PNG)).toBeUndefined();
    expect(checkAttachment(open, 'a.webp', WEBP)?.ja).toContain('PDF、JPEG、PNG');
    expect(DEFAULT_MAX_BYTES).toBe(10 * 1024 * 1024);
  });

  it('treats HEIC and HEIF names as one family', () => {
    const photo = field({ id: 'photo', type: 'file', accept: ['image/heic'] });
    expect(checkAttachment(photo, 'IMG_0002.HEIC', HEIC)).toBeUndefined();
    expect(checkAttachment(photo, 'IMG_0002.heif', HEIC)).toBeUndefined();
  });
});
