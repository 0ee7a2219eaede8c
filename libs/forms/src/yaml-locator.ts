import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

export type Path = Array<string | number>;

/** Finds the source line of a value in a parsed YAML document, by its path (keys and sequence indexes). */
export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly counter: LineCounter,
  ) {}

  private lineAt(offset: number | undefined): number {
    return offset === undefined ? 1 : this.counter.linePos(offset).line;
  }

  /** The line of the last key of the path (or of the sequence item); the deepest existing one if it is missing. */
  line(path: Path): number {
    let node: unknown = this.doc.contents;
    let line = isMap(node) || isSeq(node) ? this.lineAt(node.range?.[0]) : 1;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) {
          return line;
        }
        line = isScalar(pair.key) ? this.lineAt(pair.key.range?.[0]) : line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined || item === null || typeof item !== 'object' || !('range' in item)) {
          return line;
        }
        line = this.lineAt((item as { range?: [number, number, number] }).range?.[0]);
        node = item;
      } else {
        return line;
      }
    }
    return line;
  }

  lineOfOffset(offset: number): number {
    return this.lineAt(offset);
  }
}
