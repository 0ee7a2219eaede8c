import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { ConfigError, loadConfig } from './load-config';

class SampleConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  @MinLength(32)
  TRANSFER_KEY: string = 'x'.repeat(32);

  @IsString()
  @MinLength(40)
  DATABASE_URL: string = 'sqlite:'.padEnd(40, 'x');
}

describe('loadConfig', () => {
  it('converts values and keeps defaults for unset keys', () => {
    const sut = loadConfig(SampleConfig, { PORT: '8080', UNRELATED: 'x' });
    expect(sut.PORT).toBe(8080);
    expect(sut.TRANSFER_KEY).toHaveLength(32);
  });

  it('names every bad key, never showing a secret or a database password', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(SampleConfig, {
        PORT: 'eighty',
        TRANSFER_KEY: 'short-secret',
        DATABASE_URL: 'postgres://app:hunter2@db/x',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems.some((p) => p.startsWith('PORT:'))).toBe(true);
    expect(error?.problems.some((p) => p.startsWith('TRANSFER_KEY:'))).toBe(true);
    expect(error?.problems.some((p) => p.startsWith('DATABASE_URL:'))).toBe(true);
    expect(error?.message).not.toContain('short-secret');
    expect(error?.message).not.toContain('hunter2');
  });
});
