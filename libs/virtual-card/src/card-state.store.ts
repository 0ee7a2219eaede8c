import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VirtualCardError, VirtualCardErrorCode } from './virtual-card.error';

export type PinId = 'sign' | 'auth' | 'text';
export const PIN_IDS: readonly PinId[] = ['sign', 'auth', 'text'];

export interface PinStateJson {
  /** SHA-256(salt ‖ PIN), base64: the card's reference data. */
  hash: string;
  salt: string;
  triesLeft: number;
}

/** The state file: everything that survives a power cycle. Keys appear nowhere else. */
export interface CardStateJson {
  format: 'madoguchi-virtual-my-number-card';
  version: 1;
  /** Marks the card as a software test card, never a real one. */
  isTestCard: true;
  keys: { sign: string; auth: string };
  pins: Record<PinId, PinStateJson>;
  /** EF contents (without filler), base64, keyed "ap:FID" e.g. "jpki:0001". */
  files: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseCardState(text: string, source: string): CardStateJson {
  const bad = (why: string) =>
    new VirtualCardError(VirtualCardErrorCode.InvalidStateFile, `${source}: ${why}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (!isRecord(json) || json.format !== 'madoguchi-virtual-my-number-card' || json.version !== 1) {
    throw bad('not a version 1 virtual card state file');
  }
  const { keys, pins, files } = json;
  if (!isRecord(keys) || typeof keys.sign !== 'string' || typeof keys.auth !== 'string') {
    throw bad('keys missing');
  }
  if (!isRecord(pins)) {
    throw bad('pins missing');
  }
  for (const id of PIN_IDS) {
    const pin = pins[id];
    if (
      !isRecord(pin) ||
      typeof pin.hash !== 'string' ||
      typeof pin.salt !== 'string' ||
      typeof pin.triesLeft !== 'number' ||
      !Number.isInteger(pin.triesLeft) ||
      pin.triesLeft < 0
    ) {
      throw bad(`pin ${id} invalid`);
    }
  }
  if (!isRecord(files) || !Object.values(files).every((v) => typeof v === 'string')) {
    throw bad('files invalid');
  }
  return json as unknown as CardStateJson;
}

export function readCardStateFile(file: string): CardStateJson {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new VirtualCardError(
      VirtualCardErrorCode.InvalidStateFile,
      `cannot read ${file}: ${(error as Error).message}`,
    );
  }
  return parseCardState(text, file);
}

/** Write to a temporary file in the same directory, fsync, then rename over the target (atomic on POSIX). */
export function writeCardStateFile(file: string, state: CardStateJson): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(state, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // the temporary file was never created
    }
    throw new VirtualCardError(
      VirtualCardErrorCode.StateFileWriteFailed,
      `cannot write ${file}: ${(error as Error).message}`,
    );
  }
}
