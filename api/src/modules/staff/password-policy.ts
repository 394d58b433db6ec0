import type { ZxcvbnFactory } from '@zxcvbn-ts/core'
import { errors } from '../../platform/errors.js'

/**
 * Password strength by zxcvbn-ts and its common-password dictionaries (OWASP: block known-breached and
 * guessable passwords rather than demand symbol soup). Loaded and built on the first password set, not at
 * start: the dictionaries take ~40 MB of every api process's memory and ~100 ms to index, for an action
 * taken a few times a day.
 */
let factory: Promise<ZxcvbnFactory> | undefined
function estimator() {
  factory ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ])
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    })
  })()
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
export async function assertStrongPassword(
  password: string,
  path: string,
  personal: (string | undefined)[] = [],
) {
  const inputs = [...PRODUCT_WORDS, ...personal.filter((p): p is string => !!p && p.length >= 3)]
  const result = (await estimator()).check(password, inputs)
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
