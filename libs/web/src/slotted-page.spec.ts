import Handlebars from 'handlebars';
import { SlottedPage, SlottedPageCache } from './slotted-page';

function renderer(template: string) {
  const compiled = Handlebars.create().compile(template);
  return (values: Record<string, string>) => Promise.resolve(compiled({ fixed: '<b>', ...values }));
}

describe('SlottedPage', () => {
  it('fills every occurrence of a slot, escaped as {{ }} escapes it, and keeps the static text', async () => {
    const render = renderer('<p>{{fixed}}</p><i>{{a}}</i>{{b}}<u>{{a}}</u>');
    const sut = await SlottedPage.build(['a', 'b'], render);
    const values = { a: `<x "y" & 'z'>`, b: '`=' };
    expect(sut.fill(values)).toBe(await render(values));
    expect(sut.fill(values)).toBe(
      '<p>&lt;b&gt;</p><i>&lt;x &quot;y&quot; &amp; &#x27;z&#x27;&gt;</i>&#x60;&#x3D;<u>&lt;x &quot;y&quot; &amp; &#x27;z&#x27;&gt;</u>',
    );
  });

  it('calls a value function once, and not at all when the page does not show its slot', async () => {
    const sut = await SlottedPage.build(['a', 'unused'], renderer('{{a}}-{{a}}'));
    const a = jest.fn(() => 'A');
    const unused = jest.fn(() => 'U');
    expect(sut.fill({ a, unused })).toBe('A-A');
    expect(a).toHaveBeenCalledTimes(1);
    expect(unused).not.toHaveBeenCalled();
  });

  it('refuses a template that prints a slot unescaped or transforms it', async () => {
    await expect(SlottedPage.build(['a'], renderer('<p>{{{a}}}</p>'))).rejects.toThrow(
      /does not give the rendered page/,
    );
    const hbs = Handlebars.create();
    hbs.registerHelper('upper', (s: string) => s.toUpperCase());
    const compiled = hbs.compile('<p>{{upper a}}</p>');
    await expect(SlottedPage.build(['a'], (v) => Promise.resolve(compiled(v)))).rejects.toThrow(
      /does not give the rendered page/,
    );
  });
});

describe('SlottedPageCache', () => {
  it('builds a key once, even for concurrent first requests, and retries a failed build', async () => {
    const sut = new SlottedPageCache();
    const build = jest.fn(() => SlottedPage.build(['a'], renderer('{{a}}')));
    const [one, two] = await Promise.all([sut.get('k', build), sut.get('k', build)]);
    expect(one).toBe(two);
    expect(build).toHaveBeenCalledTimes(1);

    const failing = jest.fn(() => Promise.reject(new Error('template broken')));
    await expect(sut.get('bad', failing)).rejects.toThrow('template broken');
    await expect(sut.get('bad', failing)).rejects.toThrow('template broken');
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it('builds every time when disabled (development)', async () => {
    const sut = new SlottedPageCache(false);
    const build = jest.fn(() => SlottedPage.build(['a'], renderer('{{a}}')));
    await sut.get('k', build);
    await sut.get('k', build);
    expect(build).toHaveBeenCalledTimes(2);
  });
});
