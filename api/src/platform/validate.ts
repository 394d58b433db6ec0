import type { Middleware } from 'koa'
import type { z } from 'zod'
import { fieldIssues } from '../modules/common.contract.js'
import { errors } from './errors.js'

export interface RequestSchemas {
  body?: z.ZodType
  query?: z.ZodType
  params?: z.ZodType
}

/** Parsed input, typed from the schemas passed to `validate`. */
export type Input<S extends RequestSchemas> = {
  [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never
}

/**
 * Turns zod issues into 400 VALIDATION_FAILED with field paths, the same paths console forms bind to:
 * one message per field, as the console's own `useZodForm` shows them.
 */
export const zodIssues = fieldIssues

export function validate(schemas: RequestSchemas): Middleware {
  return async (ctx, next) => {
    const input: Record<string, unknown> = {}
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part]
      if (!schema) continue
      const raw =
        part === 'body' ? (ctx.request as { body?: unknown }).body : part === 'query' ? ctx.query : ctx.params
      const parsed = schema.safeParse(raw ?? {})
      if (!parsed.success) throw errors.validation(zodIssues(parsed.error))
      input[part] = parsed.data
    }
    ctx.state.input = input
    await next()
  }
}
