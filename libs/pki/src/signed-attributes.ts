import { children, expectTag, oidOf, parseDer, Tag } from './der';
import { PkiError, PkiErrorCode } from './pki.error';

/**
 * Reads a DER `SET OF Attribute` into type → the single value's TLV. RFC 5652 §5.3 / §11: each of our attributes
 * appears once with exactly one value; anything else is refused.
 */
export function parseSignedAttributes(setDer: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const attr of children(expectTag(parseDer(setDer), Tag.Set, 'SignedAttributes'))) {
    const [type, values] = children(expectTag(attr, Tag.Sequence, 'Attribute'));
    const id = oidOf(type, 'attrType');
    const list = children(expectTag(values, Tag.Set, 'attrValues'));
    if (out.has(id) || list.length !== 1) {
      throw new PkiError(
        PkiErrorCode.Malformed,
        `attribute ${id} must appear once with one value (RFC 5652 §11)`,
      );
    }
    out.set(id, list[0].raw);
  }
  return out;
}
