import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const MUNICIPALITY_YAML = `code: '990019'\nname:\n  ja: まどぐち市（デモ）\n  en: Madoguchi City (demo)\n`;

/** A throwaway forms root: { '990019/x.yaml': '...' } → files under a new temp folder; returns the root. */
export function formsTree(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'madoguchi-forms-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
