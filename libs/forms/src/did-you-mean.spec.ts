import { didYouMean } from './did-you-mean';

describe('didYouMean', () => {
  it.each([
    ['lable', ['id', 'label', 'help'], ' (did you mean "label"?)'],
    ['txt', ['text', 'textarea'], ' (did you mean "text"?)'],
    ['daet', ['date', 'text'], ' (did you mean "date"?)'],
    ['jp', ['ja', 'en'], ' (did you mean "ja"?)'],
    ['retention', ['retentionYears', 'id'], ' (did you mean "retentionYears"?)'],
    ['Required', ['required'], ' (did you mean "required"?)'],
  ])('suggests for %s', (input, candidates, expected) => {
    expect(didYouMean(input, candidates)).toBe(expected);
  });

  it.each([
    ['fr', ['ja', 'en']],
    ['colour', ['id', 'type', 'label']],
    ['x', ['id']],
  ])('stays quiet when nothing is close: %s', (input, candidates) => {
    expect(didYouMean(input, candidates)).toBe('');
  });
});
