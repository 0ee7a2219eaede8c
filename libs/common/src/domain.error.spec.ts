import * as pkijs from 'pkijs';
import { DomainError } from './domain.error';

describe('DomainError', () => {
  it('keeps its code and subclass name', () => {
    class SampleError extends DomainError<'A'> {}
    const sut = new SampleError('A', 'message');
    expect(sut.code).toBe('A');
    expect(sut.name).toBe('SampleError');
    expect(sut).toBeInstanceOf(Error);
    expect(typeof pkijs.SignedData).toBe('function');
  });
});
