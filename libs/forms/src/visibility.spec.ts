import { field, form, section } from './testing/form.factory';
import { isConditionMet, visibleFields, visibleSections } from './visibility';

describe('isConditionMet', () => {
  it('holds with no condition', () => {
    expect(isConditionMet(undefined, {})).toBe(true);
  });

  it('compares equals as strings, and as "ticked" for a list', () => {
    expect(isConditionMet({ field: 'n', equals: 2 }, { n: '2' })).toBe(true);
    expect(isConditionMet({ field: 'n', equals: 2 }, { n: 2 })).toBe(true);
    expect(isConditionMet({ field: 'c', equals: 'a' }, { c: ['b', 'a'] })).toBe(true);
    expect(isConditionMet({ field: 'c', equals: 'a' }, { c: ['b'] })).toBe(false);
    expect(isConditionMet({ field: 'x', equals: 'a' }, {})).toBe(false);
  });

  it('matches in against any value', () => {
    expect(isConditionMet({ field: 's', in: ['a', 'b'] }, { s: 'b' })).toBe(true);
    expect(isConditionMet({ field: 's', in: ['a', 'b'] }, { s: 'c' })).toBe(false);
    expect(isConditionMet({ field: 'c', in: ['a', 'b'] }, { c: ['z', 'b'] })).toBe(true);
  });

  it('treats blanks, empty lists and empty objects as empty', () => {
    const cond = { field: 'x', notEmpty: true as const };
    expect(isConditionMet(cond, { x: ' ' })).toBe(false);
    expect(isConditionMet(cond, { x: [] })).toBe(false);
    expect(isConditionMet(cond, { x: { family: '', given: '' } })).toBe(false);
    expect(isConditionMet(cond, { x: { family: '窓口', given: '' } })).toBe(true);
    expect(isConditionMet(cond, { x: 0 })).toBe(true);
  });

  it('does not see inherited properties', () => {
    expect(isConditionMet({ field: 'toString', notEmpty: true }, {})).toBe(false);
  });
});

describe('visibleSections / visibleFields', () => {
  const sut = form([
    section('a', [
      field({ id: 'kind', type: 'radio', options: [{ value: 'x', label: { ja: 'x' } }] }),
      field({ id: 'detail', type: 'text', when: { field: 'kind', equals: 'x' } }),
    ]),
    section('b', [field({ id: 'more', type: 'text' })], { when: { field: 'detail', notEmpty: true } }),
  ]);

  it('shows a section whose condition holds', () => {
    expect(visibleSections(sut, { kind: 'x', detail: 'd' }).map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('hides a section that depends on a hidden field, even with a stale value', () => {
    expect(visibleSections(sut, { detail: 'stale' }).map((s) => s.id)).toEqual(['a']);
  });

  it('lists the fields shown in a section', () => {
    expect(visibleFields(sut.sections[0], { kind: 'x' }).map((f) => f.id)).toEqual(['kind', 'detail']);
    expect(visibleFields(sut.sections[0], {}).map((f) => f.id)).toEqual(['kind']);
  });
});
