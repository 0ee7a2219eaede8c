import { reconciliationCsv } from './archive-reconciliation';

describe('reconciliation CSV', () => {
  it('opens in Excel (BOM, CRLF, Japanese headers) and neutralises a connector name that looks like a formula', () => {
    const sut = reconciliationCsv([
      {
        date: '2026-11-29',
        connector: '=HYPERLINK("http://x")',
        kind: 'folder',
        accepted: 3,
        delivered: 1,
        pending: 1,
        dead: 1,
      },
      {
        date: '2026-11-30',
        connector: '共有フォルダー',
        kind: 'webdav',
        accepted: 2,
        delivered: 2,
        pending: 0,
        dead: 0,
      },
    ]);
    expect(sut.split('\r\n')).toEqual([
      '\uFEFF受付日,接続先,種類,受付件数,送付済み,送付待ち,送付失敗（要対応）,未送付',
      `2026-11-29,"'=HYPERLINK(""http://x"")",folder,3,1,1,1,2`,
      '2026-11-30,共有フォルダー,webdav,2,2,0,0,0',
      '',
    ]);
  });
});
