import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { redactUrl } from '../database/data-source-options';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A bad value is shown to help fix it, except where it may be a secret. */
function shown(key: string, value: unknown): string {
  if (/KEY|SECRET|PASSWORD|TOKEN/i.test(key)) {
    return 'the value is not shown';
  }
  const text = JSON.stringify(value) ?? 'nothing';
  return `got ${/URL/i.test(key) ? redactUrl(text) : text}`;
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map(
      (message) => `${e.property}: ${message} (${shown(e.property, e.value)})`,
    ),
  );
}

/**
 * Validates the environment once at boot into a typed config object (class-validator decorators on `cls`).
 * Every bad key is named; unset keys take the class's defaults.
 */
export function loadConfig<T extends object>(
  cls: new () => T,
  env: Record<string, string | undefined>,
): T {
  const plain: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && v !== '') {
      plain[k] = v;
    }
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigError(describe(errors));
  }
  return instance;
}
