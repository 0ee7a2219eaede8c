/** One metadata element of bag-info.txt: [label, value]. */
export type BagInfoElement = [label: string, value: string];

/**
 * RFC 8493 §2.2.2: a label MUST NOT contain ':', LF or CR and MUST NOT start or end with whitespace.
 * Japanese labels (文書分類, 保存期間, …) are fine: tag files are UTF-8 (bagit.txt says so).
 */
export function isValidLabel(label: string): boolean {
  return label.length > 0 && !/[:\r\n]/.test(label) && !/^[ \t]|[ \t]$/.test(label);
}

/**
 * bag-info.txt text: `label: value` per line, LF-terminated. A value cannot hold a line break here (a reader
 * would take the next line as a continuation, §2.2.2), so CR/LF and runs of whitespace become one space.
 */
export function bagInfoText(elements: BagInfoElement[]): string {
  return elements
    .map(([label, value]) => {
      if (!isValidLabel(label)) {
        throw new Error(`invalid bag-info label ${JSON.stringify(label)}`);
      }
      const flat = value.replace(/[\r\n\t ]+/g, ' ').trim();
      return `${label}: ${flat}\n`;
    })
    .join('');
}
