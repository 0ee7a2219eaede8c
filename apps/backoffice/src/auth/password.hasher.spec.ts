import { PasswordHasher } from './password.hasher';

describe('PasswordHasher', () => {
  // a lower cost keeps the unit test quick; the format and the checks are the same
  const sut = new PasswordHasher({ N: 2 ** 12, r: 8, p: 1 });

  it('verifies the password it hashed and refuses another', async () => {
    const hash = await sut.hash('correct horse battery');
    expect(hash).toMatch(/^scrypt\$4096\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    await expect(sut.verify('correct horse battery', hash)).resolves.toBe(true);
    await expect(sut.verify('correct horse batterY', hash)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([sut.hash('same password'), sut.hash('same password')]);
    expect(a).not.toBe(b);
  });

  it('treats composed and decomposed Japanese text as the same password', async () => {
    const hash = await sut.hash('パスワード'.normalize('NFC'));
    await expect(sut.verify('パスワード'.normalize('NFD'), hash)).resolves.toBe(true);
  });

  it('reads the cost from the stored hash', async () => {
    const stronger = await new PasswordHasher({ N: 2 ** 13, r: 8, p: 1 }).hash('pw-for-cost');
    await expect(sut.verify('pw-for-cost', stronger)).resolves.toBe(true);
  });

  it.each([
    '',
    'plain',
    'scrypt$x$8$1$AA==$AA==',
    'bcrypt$4096$8$1$AA==$AA==',
    'scrypt$4096$8$1$AA==$AA==',
  ])('refuses a malformed stored hash %p', async (stored) => {
    await expect(sut.verify('anything', stored)).resolves.toBe(false);
  });
});
