/** Valid GB 32100-2015 codes: 17 random body characters and the computed check character. */
export function buildCreditCode(): string {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const body = `91${String(440200 + Math.floor(Math.random() * 99)).padStart(6, '0')}${Array.from({ length: 9 }, () => chars[Math.floor(Math.random() * 31)]).join('')}`
  let sum = 0
  for (let i = 0; i < 17; i++) sum += chars.indexOf(body[i]!) * weights[i]!
  return body + chars[(31 - (sum % 31)) % 31]
}
