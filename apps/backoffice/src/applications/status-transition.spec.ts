import { APPLICATION_STATUSES, STATUS_TRANSITIONS } from '@madoguchi/transfer';
import { ApplicationErrorCode } from './application.error';
import { checkComment, checkTransition, MAX_COMMENT_LENGTH } from './status-transition';

describe('checkTransition', () => {
  it.each([
    ['received', 'in_review'],
    ['in_review', 'completed'],
    ['returned', 'in_review'],
  ] as const)('allows %s -> %s without a message', (from, to) => {
    expect(checkTransition(from, to, '')).toEqual({ to });
  });

  it('allows exactly the transitions of STATUS_TRANSITIONS', () => {
    for (const from of APPLICATION_STATUSES) {
      for (const to of APPLICATION_STATUSES) {
        const sut = () => checkTransition(from, to, '理由');
        if (STATUS_TRANSITIONS[from].includes(to)) {
          expect(sut()).toEqual({ to, message: '理由' });
        } else {
          expect(sut).toThrow(
            expect.objectContaining({ code: ApplicationErrorCode.TransitionNotAllowed }),
          );
        }
      }
    }
  });

  it.each([
    ['in_review', 'returned'],
    ['in_review', 'rejected'],
    ['received', 'rejected'],
  ] as const)('requires a message to the resident for %s -> %s', (from, to) => {
    for (const message of [undefined, '', '   \n ']) {
      expect(() => checkTransition(from, to, message)).toThrow(
        expect.objectContaining({ code: ApplicationErrorCode.MessageRequired }),
      );
    }
    expect(checkTransition(from, to, '  添付書類が不足しています。 ')).toEqual({
      to,
      message: '添付書類が不足しています。',
    });
  });

  it('asks for a status when none was chosen', () => {
    for (const to of [undefined, '']) {
      expect(() => checkTransition('received', to, '')).toThrow(
        expect.objectContaining({ code: ApplicationErrorCode.StatusMissing }),
      );
    }
  });

  it('refuses an unknown status and an overlong message', () => {
    expect(() => checkTransition('received', 'deleted', '')).toThrow(
      expect.objectContaining({ code: ApplicationErrorCode.TransitionNotAllowed }),
    );
    expect(() => checkTransition('in_review', 'returned', 'あ'.repeat(1001))).toThrow(
      expect.objectContaining({ code: ApplicationErrorCode.MessageTooLong }),
    );
  });
});

describe('checkTransition on a corrected application', () => {
  it('refuses every change once the correction has arrived, even an otherwise allowed one', () => {
    for (const to of [...APPLICATION_STATUSES, '']) {
      expect(() => checkTransition('returned', to, '理由', '20261129-00000001')).toThrow(
        expect.objectContaining({ code: ApplicationErrorCode.AlreadyCorrected }),
      );
    }
    expect(checkTransition('returned', 'in_review', '', null)).toEqual({ to: 'in_review' });
  });
});

describe('checkComment', () => {
  it('trims and keeps a comment', () => {
    expect(checkComment('  添付の地図を確認済み。\n ')).toBe('添付の地図を確認済み。');
  });

  it.each([undefined, null, 42, '', ' \n\t '])('refuses an empty comment (%p)', (body) => {
    expect(() => checkComment(body)).toThrow(
      expect.objectContaining({ code: ApplicationErrorCode.CommentEmpty }),
    );
  });

  it('counts characters, not UTF-16 units: 2000 of 𠮷 pass, 2001 do not', () => {
    expect(checkComment('𠮷'.repeat(MAX_COMMENT_LENGTH))).toHaveLength(MAX_COMMENT_LENGTH * 2);
    expect(() => checkComment('あ'.repeat(MAX_COMMENT_LENGTH + 1))).toThrow(
      expect.objectContaining({ code: ApplicationErrorCode.CommentTooLong }),
    );
  });
});
