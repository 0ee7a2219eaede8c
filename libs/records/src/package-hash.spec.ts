import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { safeFileNames } from './file-names';
import { packageManifest, packageSha256 } from './package-hash';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('package SHA-256', () => {
  const files = [
    { name: 'signature.p7s', sha256: sha('cms') },
    { name: 'attachments/地図.png', sha256: sha('png') },
    { name: 'document.json', sha256: sha('doc') },
    { name: 'attachments/b.pdf', sha256: sha('pdf') },
  ];

  it('is the SHA-256 of the sha256sum-style manifest sorted by name in byte order', () => {
    const manifest = [
      `${sha('pdf')}  attachments/b.pdf`,
      `${sha('png')}  attachments/地図.png`,
      `${sha('doc')}  document.json`,
      `${sha('cms')}  signature.p7s`,
    ]
      .map((l) => `${l}\n`)
      .join('');
    expect(packageManifest(files)).toBe(manifest);
    expect(packageSha256(files)).toBe(sha(manifest));
  });

  it('does not depend on the order files are listed in, and changes with any file hash or name', () => {
    const base = packageSha256(files);
    expect(packageSha256([...files].reverse())).toBe(base);
    expect(packageSha256([...files.slice(1), { ...files[0], sha256: sha('other') }])).not.toBe(
      base,
    );
    expect(packageSha256([...files.slice(1), { ...files[0], name: 'signature2.p7s' }])).not.toBe(
      base,
    );
    expect(packageSha256(files.slice(1))).not.toBe(base);
  });

  it('refuses two files of the same name', () => {
    expect(() => packageSha256([files[0], { ...files[0] }])).toThrow(/duplicate/);
  });

  it('can be recomputed with sha256sum and sort, without madoguchi', () => {
    const dir = mkdtempSync(join(tmpdir(), 'package-hash-'));
    try {
      const contents: Record<string, string> = {
        'document.json': '{"a":1}',
        'attachments/地図.png': 'png bytes',
        'attachments/B.pdf': 'pdf bytes',
        'revocation/backoffice/ocsp-1.der': 'ocsp',
      };
      for (const [name, text] of Object.entries(contents)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      const ours = packageSha256(
        Object.entries(contents).map(([name, t]) => ({ name, sha256: sha(t) })),
      );
      const shell = spawnSync(
        'bash',
        [
          '-c',
          "find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum",
        ],
        { cwd: dir },
      );
      expect(shell.stdout.toString().split(' ')[0]).toBe(ours);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('safe file names inside a package', () => {
  it('keeps Japanese names, removes directory parts and control characters, numbers duplicates', () => {
    expect(
      safeFileNames([
        '地図.png',
        '../../etc/passwd',
        '地図.png',
        '.hidden',
        'a\nb.txt',
        '',
        '地図.png',
      ]),
    ).toEqual([
      '地図.png',
      '_.._etc_passwd',
      '地図 (2).png',
      'hidden',
      'a_b.txt',
      'file',
      '地図 (3).png',
    ]);
  });

  it('numbers names that differ only in case or normalisation, which the archive would refuse as one', () => {
    expect(safeFileNames(['Map.png', 'map.png', 'MAP.PNG', 'ガ.txt', 'ガ.txt'])).toEqual([
      'Map.png',
      'map (2).png',
      'MAP (3).PNG',
      'ガ.txt',
      'ガ (2).txt',
    ]);
  });
});
