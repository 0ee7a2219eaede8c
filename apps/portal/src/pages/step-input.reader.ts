import type { FastifyRequest } from 'fastify';
import type { StepInput, UploadedFile } from '../drafts/drafts.service';

interface MultipartValue {
  type: 'field' | 'file';
  fieldname: string;
  value?: unknown;
  filename?: string;
  toBuffer?: () => Promise<Buffer>;
}

function isMultipartValue(v: unknown): v is MultipartValue {
  return typeof v === 'object' && v !== null && 'type' in v && 'fieldname' in v;
}

const CONTROL_KEYS = new Set(['_csrf', '_action', '_remove']);

/**
 * Reads a step's POST body, url-encoded or multipart (with attachments), into values, files and the resident's
 * intent (next, back, upload only).
 */
export async function readStepInput(
  req: FastifyRequest,
): Promise<{ step: StepInput; back: boolean; stay: boolean }> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const values: Record<string, string | string[]> = {};
  const files: UploadedFile[] = [];
  const remove: string[] = [];
  let action = 'next';
  for (const [key, entry] of Object.entries(body)) {
    const items = Array.isArray(entry) ? entry : [entry];
    for (const item of items) {
      if (isMultipartValue(item)) {
        if (item.type === 'file') {
          if (item.filename && item.toBuffer) {
            const bytes = await item.toBuffer();
            if (bytes.length > 0) {
              files.push({ fieldId: key, fileName: item.filename, bytes });
            }
          }
          continue;
        }
        add(key, typeof item.value === 'string' ? item.value : '');
      } else if (typeof item === 'string') {
        add(key, item);
      }
    }
  }

  function add(key: string, value: string): void {
    if (key === '_action') {
      action = value;
      return;
    }
    if (key === '_remove') {
      remove.push(value);
      return;
    }
    if (CONTROL_KEYS.has(key)) {
      return;
    }
    const prev = values[key];
    values[key] =
      prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }

  return { step: { values, files, remove }, back: action === 'back', stay: action === 'upload' };
}
