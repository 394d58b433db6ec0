import { z } from 'zod'

/** Shapes shared by every domain: ids, pagination, the error envelope. */
export const ObjectIdString = z.string().regex(/^[0-9a-f]{24}$/, '不是有效的 ID')
export const IdParams = z.object({ id: ObjectIdString })

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
})
export type PageQueryInput = z.input<typeof PageQuery>

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
}

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
})
export type ErrorBodyOutput = z.output<typeof ErrorBody>

export const TokenPair = z.object({
  accessToken: z.string(),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
})
export type TokenPairOutput = z.output<typeof TokenPair>
export const RefreshBody = z.object({ refreshToken: z.string().min(10).max(200) })

/** Unread items of a mini-program list (inbox, announcements): the badge number. */
export const UnreadCount = z.object({ unread: z.number().int() })
export type UnreadCountOutput = z.output<typeof UnreadCount>
