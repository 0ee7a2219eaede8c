import Handlebars from 'handlebars';
import { registerHelpers } from './handlebars-helpers';

describe('handlebars helpers', () => {
  const sut = Handlebars.create();
  registerHelpers(sut, (iso) => `和暦(${iso})`);
  const render = (template: string, context: Record<string, unknown>) =>
    sut.compile(template)(context);

  it('t picks the request language, falls back to Japanese and escapes', () => {
    const label = { ja: '氏名<b>', en: 'Name<b>' };
    expect(render('{{t label}}', { lang: 'ja', label })).toBe('氏名&lt;b&gt;');
    expect(render('{{t label}}', { lang: 'en', label })).toBe('Name&lt;b&gt;');
    expect(render('{{t label}}', { lang: 'en', label: { ja: '住所' } })).toBe('住所');
    expect(render('{{t ja="送信" en="Send"}}', { lang: 'en' })).toBe('Send');
    expect(render('{{#each items}}{{t this}}{{/each}}', { lang: 'en', items: [label] })).toBe(
      'Name&lt;b&gt;',
    );
    expect(render('{{t missing}}', { lang: 'ja' })).toBe('');
  });

  it('eraDate uses the given Japanese formatter in Japanese and a plain date in English', () => {
    expect(render('{{eraDate d}}', { lang: 'ja', d: '2025-05-01' })).toBe('和暦(2025-05-01)');
    expect(render('{{eraDate d}}', { lang: 'en', d: '2025-05-01' })).toBe('1 May 2025');
    expect(render('{{eraDate d}}', { lang: 'en', d: 'not a date' })).toBe('not a date');
    expect(render('{{eraDate d}}', { lang: 'ja', d: '' })).toBe('');
  });

  it('dateTime shows a timestamp in Japan time', () => {
    const at = '2026-03-31T15:30:00Z';
    expect(render('{{dateTime at}}', { lang: 'ja', at })).toBe('令和8年4月1日 0:30');
    expect(render('{{dateTime at}}', { lang: 'en', at })).toBe('1 April 2026 at 00:30');
  });

  it('csrfField puts the escaped token in a hidden input, and refuses to render without a request', () => {
    expect(render('{{csrfField}}', { lang: 'ja', csrfToken: () => 'a"b' })).toBe(
      '<input type="hidden" name="_csrf" value="a&quot;b">',
    );
    expect(() => render('{{csrfField}}', { lang: 'ja' })).toThrow(/csrfField/);
  });

  it('eq compares strictly', () => {
    expect(render('{{#if (eq a "1")}}y{{else}}n{{/if}}', { a: 1 })).toBe('n');
    expect(render('{{#if (eq a "1")}}y{{else}}n{{/if}}', { a: '1' })).toBe('y');
  });
});
