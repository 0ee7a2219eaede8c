/**
 * 全国地方公共団体コード: 5 digits plus a check digit,
 * check = (11 - (d1*6 + d2*5 + d3*4 + d4*3 + d5*2) % 11) % 10 (JIS X 0401/0402 with the 総務省 check digit).
 */
export function municipalityCheckDigit(firstFive: string): number {
  const weights = [6, 5, 4, 3, 2];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(firstFive[i]), 0);
  return (11 - (sum % 11)) % 10;
}

export function isMunicipalityCode(code: string): boolean {
  if (!/^[0-9]{6}$/.test(code)) {
    return false;
  }
  const prefecture = Number(code.slice(0, 2));
  // Prefecture 01-47 are real; 99 is reserved here for the fictional demo municipality.
  if (prefecture < 1 || (prefecture > 47 && prefecture !== 99)) {
    return false;
  }
  return municipalityCheckDigit(code.slice(0, 5)) === Number(code[5]);
}
