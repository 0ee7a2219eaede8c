import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BasicFour, SexCode } from '@madoguchi/jpki';
import { VirtualMyNumberCard } from '@madoguchi/virtual-card';

// Set by scripts/ci/card-middleware.sh (see its header); these tests do not start pcscd themselves.
function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this suite through scripts/ci/card-middleware.sh`);
  }
  return value;
}

export const cm = {
  workDir: required('CM_WORK_DIR'),
  /** The card `virtual-card serve` offers on vpcd slot 0. */
  stateFile: required('CM_STATE_FILE'),
  /** The simulated J-LIS that `virtual-card create` issued the card's certificates with. */
  jlisDir: required('CM_JLIS_DIR'),
  /** Serials as `virtual-card create` printed them at issuance. */
  signSerial: required('CM_SIGN_SERIAL'),
  authSerial: required('CM_AUTH_SERIAL'),
  vpcdHost: required('CM_VPCD_HOST'),
  signPassword: required('CM_SIGN_PASSWORD'),
  authPin: required('CM_AUTH_PIN'),
  textPin: required('CM_TEXT_PIN'),
  basicFour: {
    name: required('CM_NAME'),
    address: required('CM_ADDRESS'),
    birthdate: required('CM_BIRTHDATE'),
    sex: required('CM_SEX') as SexCode,
  } satisfies BasicFour,
  /** CARD-MIDDLEWARE.md §1: vpcd's two slots; slot 0 holds the served card, slot 1 is free for these tests. */
  reader0: 'Virtual PCD 00 00',
  reader1: 'Virtual PCD 00 01',
  vpcdPort1: 35964,
  pkcs11Module: process.env.CM_PKCS11_MODULE ?? '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
};

export type IssuedName = 'signCert' | 'signCa' | 'authCert' | 'authCa';

// JPKI.md §1.1: the EFs `virtual-card create` installed the J-LIS's answer in (the state file's names for them).
const STATE_FILE_EF: Record<IssuedName, string> = {
  signCert: 'jpki:0001',
  signCa: 'jpki:0002',
  authCert: 'jpki:000A',
  authCa: 'jpki:000B',
};

/**
 * A certificate exactly as `virtual-card create` received it from the simulated J-LIS and stored it in the card's
 * state file, cross-checked against the card's own description so that a change of file format fails loudly.
 */
export function issued(name: IssuedName): Buffer {
  const state = JSON.parse(readFileSync(cm.stateFile, 'utf8')) as { files: Record<string, string> };
  const der = Buffer.from(state.files[STATE_FILE_EF[name]], 'base64');
  const summary = VirtualMyNumberCard.open(cm.stateFile).describe().certificates[name];
  if (!summary || new X509Certificate(der).fingerprint256 !== summary.fingerprint256) {
    throw new Error(`${name} in ${cm.stateFile} does not match the card's description`);
  }
  return der;
}

/** The simulated J-LIS's own copy of a CA certificate (`<jlis dir>/ca/<name>.cer`, DER). */
export function jlisCa(name: 'sign-ca' | 'auth-ca'): Buffer {
  return readFileSync(join(cm.jlisDir, 'ca', `${name}.cer`));
}

/** Tries left as stored in the card's state file (what the card itself will answer). */
export function storedTriesLeft(file = cm.stateFile): { sign: number; auth: number; text: number } {
  return VirtualMyNumberCard.open(file).describe().triesLeft;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a middleware tool (never through a shell); a non-zero exit is a result, not an exception. */
export function run(command: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${command} did not finish: ${error.message}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** PEM (one certificate) → DER. */
export function pemToDer(pem: string): Buffer {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!match) {
    throw new Error(`no PEM certificate in: ${pem.slice(0, 200)}`);
  }
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}
