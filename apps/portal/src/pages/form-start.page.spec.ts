import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { join } from 'node:path';
import { loadFormsDirectory, formatJapaneseDate } from '@madoguchi/forms';
import { configureWebApp, LANGS, type PageLocals } from '@madoguchi/web';
import { portalSourceRoot } from '../portal-app.factory';
import {
  FORM_START_VIEW,
  FormStartPage,
  toFormStartView,
  type ViewRenderer,
} from './form-start.page';

@Module({})
class EmptyModule {}

describe('FormStartPage', () => {
  let app: NestFastifyApplication;
  let view: ViewRenderer;
  const { forms, municipalities } = loadFormsDirectory(join(__dirname, '../../../../forms'));
  const municipalityOf = (code: string) => {
    const m = municipalities.find((x) => x.code === code);
    if (!m) {
      throw new Error(`no municipality ${code}`);
    }
    return m;
  };

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(EmptyModule, new FastifyAdapter(), {
      logger: false,
    });
    // the portal's own views and helpers, as createPortalApp configures them
    await configureWebApp(app, {
      viewsDir: join(portalSourceRoot(), 'views'),
      publicDir: join(portalSourceRoot(), 'public'),
      cookieSecret: 's'.repeat(32),
      isProduction: true,
      cookiePrefix: 'portal',
      formatJapaneseDate,
    });
    await app.init();
    const fastify = app.getHttpAdapter().getInstance();
    await fastify.ready();
    view = (page, data) => fastify.view(page, data);
  });

  afterAll(async () => {
    await app.close();
  });

  function localsFor(lang: PageLocals['lang'], token: string): PageLocals {
    return {
      lang,
      csrfToken: () => token,
      switchLangHref: () => `/m/990019/forms/x?a=<b>&lang=${lang === 'ja' ? 'en' : 'ja'}`,
    };
  }

  it('knows the demo forms', () => {
    expect(forms.length).toBeGreaterThanOrEqual(5);
  });

  const resumeHrefs = [undefined, '/m/990019/forms/sodai-gomi/steps/2', '/x?"a"=<b>&c=\'d\''];
  for (const isCached of [true, false]) {
    it(`gives byte for byte the page a direct render gives, for every demo form, language and draft (${isCached ? 'cached' : 'uncached'})`, async () => {
      const sut = new FormStartPage(isCached);
      let compared = 0;
      for (const form of forms) {
        const municipality = municipalityOf(form.municipalityCode);
        for (const lang of LANGS) {
          for (const resumeHref of resumeHrefs) {
            // twice: the second request is filled from the cache with another token
            for (const token of ['token-one', 'tok<&>"\'`=two']) {
              const locals = localsFor(lang, token);
              const direct = await view(FORM_START_VIEW, {
                ...locals,
                ...toFormStartView(municipality, form, resumeHref),
              });
              await expect(sut.render(view, locals, municipality, form, resumeHref)).resolves.toBe(
                direct,
              );
              compared++;
            }
          }
        }
      }
      expect(compared).toBe(forms.length * LANGS.length * resumeHrefs.length * 2);
    });
  }

  it('escapes the per-request values and shows the page of the language and draft asked for', async () => {
    const sut = new FormStartPage(true);
    const form = forms.find((f) => f.id === 'sodai-gomi') ?? forms[0];
    const municipality = municipalityOf(form.municipalityCode);
    const fresh = await sut.render(view, localsFor('ja', 'A<b>"c'), municipality, form, undefined);
    // no token: the start button is checked by origin (@OriginChecked() on PagesController.begin)
    expect(fresh).not.toContain('_csrf');
    expect(fresh).toMatch(/<form method="post" action="\/m\/990019\/forms\/sodai-gomi\/start">/);
    expect(fresh).toContain('<html lang="ja">');
    expect(fresh).toContain('申請をはじめる');
    expect(fresh).not.toContain('続きから入力する');

    const resumed = await sut.render(
      view,
      localsFor('en', 'T2'),
      municipality,
      form,
      '/r?x=<script>"',
    );
    expect(resumed).toContain('<html lang="en">');
    expect(resumed).toContain('href="/r?x&#x3D;&lt;script&gt;&quot;"');
    expect(resumed).toContain('Continue');
    expect(resumed).not.toContain('T2');
    expect(resumed).not.toContain('<script>');
  });

  it('never creates a CSRF token (and so never sets its cookie): every first visit gets the same bytes', async () => {
    const sut = new FormStartPage(true);
    const form = forms[0];
    let calls = 0;
    const locals: PageLocals = {
      lang: 'ja',
      csrfToken: () => `t${++calls}`,
      switchLangHref: () => '/',
    };
    const html = await sut.render(view, locals, municipalityOf(form.municipalityCode), form, '/r');
    expect(html).not.toContain('value="t');
    expect(calls).toBe(0);
  });
});
