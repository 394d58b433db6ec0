import type { FormInstance, FormItemRule } from 'element-plus'
import { ElMessage } from 'element-plus'
import { reactive, ref, watch, type UnwrapRef } from 'vue'
import { z } from 'zod'
import { fieldIssues } from '@/api/contracts'
import { ApiError } from '@/api/request'

type Model = Record<string, unknown>

/** The model key an issue path belongs to: `roleIds.0` → `roleIds`. */
function fieldOf(path: readonly PropertyKey[] | string): string {
  return String(typeof path === 'string' ? path.split('.')[0] : (path[0] ?? ''))
}

/**
 * A form whose rules are the api's own zod schema: every field's rule runs `schema.safeParse` on the whole
 * model (so cross-field refinements land on their field) and shows the issues for that field; the server's
 * 400 `details.fields` are mapped onto the same fields and cleared when the user edits them.
 *
 * Model keys the schema does not know (a "confirm password" box) are left out of the parse, and empty
 * strings are sent as "absent" for fields the schema allows to be absent.
 */
export interface ZodFormOptions<M> {
  /** element-plus rules for model keys outside the schema */
  rules?: Partial<Record<keyof M, FormItemRule[]>>
  /** server error codes (besides 400 field errors) shown under a field, e.g. GRANT_REFUSED under the roles */
  codeFields?: Record<string, keyof M & string>
}

export function useZodForm<S extends z.ZodType, M extends Model>(
  schema: S,
  initial: () => M,
  options: ZodFormOptions<M> = {},
) {
  const model = reactive(initial()) as UnwrapRef<M> & Model
  const formRef = ref<FormInstance>()
  const saving = ref(false)
  const serverErrors = reactive<Record<string, string>>({})
  const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : null
  const optional = new Set(
    shape ? Object.keys(shape).filter((k) => shape[k]!.safeParse(undefined).success) : [],
  )

  function input(): Model {
    const out: Model = {}
    for (const [k, v] of Object.entries(model)) {
      if (shape && !(k in shape)) continue
      if (v === '' && optional.has(k)) continue
      out[k] = v
    }
    return out
  }

  function issuesFor(field: string): string | undefined {
    if (serverErrors[field]) return serverErrors[field]
    const parsed = schema.safeParse(input())
    // the api's own issue list (one message per path), so a field shows what the server would answer
    return parsed.success
      ? undefined
      : fieldIssues(parsed.error).find((i) => fieldOf(i.path) === field)?.message
  }

  const rules: Record<string, FormItemRule[]> = {}
  for (const key of Object.keys(model)) {
    rules[key] = [
      ...(shape && !(key in shape)
        ? []
        : [
            {
              trigger: ['blur', 'change'],
              validator: (_r: unknown, _v: unknown, cb: (e?: Error) => void) => {
                const msg = issuesFor(key)
                cb(msg ? new Error(msg) : undefined)
              },
            },
          ]),
      ...(options.rules?.[key as keyof M] ?? []),
    ]
    watch(
      () => model[key],
      () => delete serverErrors[key],
      { deep: true },
    )
  }

  /** Validates every field; resolves the parsed (output) value, or undefined with errors shown. */
  async function validate(): Promise<z.output<S> | undefined> {
    const shown = await formRef.value?.validate().then(
      () => true,
      () => false,
    )
    if (shown === false) return undefined
    const parsed = schema.safeParse(input())
    if (!parsed.success) {
      ElMessage.error(fieldIssues(parsed.error)[0]?.message ?? '请检查表单')
      return undefined
    }
    return parsed.data
  }

  /** Puts a server error onto the form: 400 field errors under their fields, anything else as a message. */
  function showError(err: unknown) {
    if (!(err instanceof ApiError)) throw err
    const codeField = options.codeFields?.[err.code]
    const mine = codeField
      ? [{ path: codeField, message: err.message }]
      : err.fields.filter((f) => fieldOf(f.path) in model)
    for (const f of mine) serverErrors[fieldOf(f.path)] ??= f.message
    if (mine.length) void formRef.value?.validateField(Object.keys(serverErrors)).catch(() => undefined)
    if (!codeField && (mine.length !== err.fields.length || !mine.length)) ElMessage.error(err.message)
  }

  /** Validate, then run `action` with the parsed value while `saving` is on. Resolves whether it succeeded. */
  async function submit(action: (value: z.output<S>) => Promise<unknown>): Promise<boolean> {
    if (saving.value) return false
    const value = await validate()
    if (value === undefined) return false
    saving.value = true
    try {
      await action(value)
      return true
    } catch (e) {
      showError(e)
      return false
    } finally {
      saving.value = false
    }
  }

  return { model, formRef, rules, saving, validate, submit, showError }
}
