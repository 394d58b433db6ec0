import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import * as common from '@zxcvbn-ts/language-common'
import * as en from '@zxcvbn-ts/language-en'
import { errors } from '../../platform/errors.js'

/**
 * Password strength by zxcvbn-ts and its common-password dictionaries (OWASP: block known-breached and
 * guessable passwords rather than demand symbol soup). Built once: the dictionaries take ~100 ms to index.
 */
let factory: ZxcvbnFactory | undefined
function estimator() {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  })
  return factory
}

/** Words that make a console password guessable here, whoever the user is. */
const PRODUCT_WORDS = [
  'zhichantong',
  'zct',
  'zhichan',
  'admin',
  'ipbureau',
  'shaoguan',
  'guangdong',
  'guangzhou',
]

/** zxcvbn score 3 = "safely unguessable: moderate protection from offline slow-hash scenario". */
export const MIN_PASSWORD_SCORE = 3

/** Refuses a weak password with a field error at `path`; `personal` are the user's own name and username. */
export function assertStrongPassword(password: string, path: string, personal: (string | undefined)[] = []) {
  const inputs = [...PRODUCT_WORDS, ...personal.filter((p): p is string => !!p && p.length >= 3)]
  const result = estimator().check(password, inputs)
  if (result.score >= MIN_PASSWORD_SCORE) return
  const seq = result.sequence.map((m) => m.pattern)
  const message = result.sequence.some(
    (m) => m.pattern === 'dictionary' && (m as { dictionaryName?: string }).dictionaryName === 'userInputs',
  )
    ? '密码不能包含用户名、姓名或系统名称，请换一个'
    : seq.includes('dictionary')
      ? '这是常见密码，容易被猜中，请换一个（可用几个不相关的词加数字组合）'
      : seq.includes('spatial') || seq.includes('sequence') || seq.includes('repeat')
        ? '密码含键盘顺序、连续或重复字符，容易被猜中，请换一个'
        : '密码强度不足，请加长或混合不相关的词与数字'
  throw errors.validation([{ path, message }])
}
