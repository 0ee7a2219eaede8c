import {
  decodeCursor,
  encodeCursor,
  parseSearchQuery,
  searchQueryString,
  SearchErrorCode,
  startOfJapaneseDay,
} from './search-filter';

const choices = {
  formIds: new Set(['tenshutsu', 'sodai-gomi']),
  departments: new Set(['市民課', '環境政策課']),
};
const ID = '0b6e1c1e-8d0f-4a43-9a49-6b5e3f1d2c3a';

describe('parseSearchQuery', () => {
  it('reads every filter, folding width, spaces and kana', () => {
    const sut = parseSearchQuery(
      {
        form: 'tenshutsu',
        status: 'in_review',
        department: '市民課',
        from: '２０２６-04-01',
        to: '2026-04-30',
        receipt: ' 20260401-12345678 ',
        name: 'ﾔﾏﾀﾞ はなこ',
      },
      choices,
    );
    expect(sut.problems).toEqual([]);
    expect(sut.filter).toEqual({
      formId: 'tenshutsu',
      status: 'in_review',
      department: '市民課',
      from: '2026-04-01',
      to: '2026-04-30',
      receipt: '20260401-12345678',
      name: 'ヤマダハナコ',
    });
  });

  it.each([
    [{ from: '2026-02-30' }, SearchErrorCode.BadDate],
    [{ to: '2026/04/01' }, SearchErrorCode.BadDate],
    [{ from: "2026-04-01' OR 1=1" }, SearchErrorCode.BadDate],
    [{ from: '2026-05-01', to: '2026-04-01' }, SearchErrorCode.DateOrder],
    [{ form: 'no-such-form' }, SearchErrorCode.UnknownForm],
    [{ status: 'deleted' }, SearchErrorCode.UnknownStatus],
    [{ department: '秘書課' }, SearchErrorCode.UnknownDepartment],
    [{ after: 'not-a-cursor' }, SearchErrorCode.BadCursor],
    [{ after: encodeCursor(new Date(), ID).slice(0, -2) }, SearchErrorCode.BadCursor],
    [
      { after: Buffer.from(`2026-13-45T00:00:00.000Z|${ID}`).toString('base64url') },
      SearchErrorCode.BadCursor,
    ],
    [
      { after: encodeCursor(new Date(), ID), before: encodeCursor(new Date(), ID) },
      SearchErrorCode.BadCursor,
    ],
    [{ name: 'あ'.repeat(101) }, SearchErrorCode.TooLong],
    [{ status: ['received', 'rejected'] }, SearchErrorCode.BadValue],
  ])('%j → %s, never an exception', (query, code) => {
    const sut = parseSearchQuery(query, choices);
    expect(sut.problems).toContain(code);
  });

  it('keeps a cursor it wrote and refuses one that was altered', () => {
    const at = new Date('2026-04-01T03:04:05.678Z');
    const cursor = encodeCursor(at, ID);
    expect(decodeCursor(cursor, 'after')).toEqual({ direction: 'after', receivedAt: at, id: ID });
    const altered = Buffer.from(`${at.toISOString()}|${ID}' --`).toString('base64url');
    expect(() => decodeCursor(altered, 'after')).toThrow('page cursor not understood');
  });

  it('writes a query string that reads back to the same filter', () => {
    const filter = { formId: 'tenshutsu', from: '2026-04-01', name: 'ヤマダ' };
    const again = parseSearchQuery(
      Object.fromEntries(new URLSearchParams(searchQueryString(filter))),
      choices,
    );
    expect(again.filter).toEqual(filter);
  });
});

describe('startOfJapaneseDay', () => {
  it('is 15:00 UTC the day before; the end of a day is the next day start', () => {
    expect(startOfJapaneseDay('2026-04-01').toISOString()).toBe('2026-03-31T15:00:00.000Z');
    expect(startOfJapaneseDay('2026-12-31', 1).toISOString()).toBe('2026-12-31T15:00:00.000Z');
  });
});
