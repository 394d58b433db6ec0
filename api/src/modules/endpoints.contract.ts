import type { z } from 'zod'

/**
 * An endpoint declared once, in its domain's contract (à la ts-rest): method, full path, what goes in and
 * what comes out. The api registers its route from it and type-checks the handler's return against
 * `response`; the console's API functions, the mini-program's `Endpoints` and the test client are all
 * derived from the same declaration. Who may call it (audience, permission) stays with the route, since
 * permissions are the platform's, not the contract's.
 */
export interface EndpointDef {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete'
  /** full path with its audience prefix, e.g. `/admin/v1/campaigns/:id/send`; `:name` params */
  path: `/mp/v1/${string}` | `/admin/v1/${string}`
  params?: z.ZodType
  query?: z.ZodType
  body?: z.ZodType
  /** the success body; `null` for 204 No Content; `'file'` for a download stream */
  response: z.ZodType | null | 'file'
  /** success status (default 200, or 204 when `response` is null) */
  status?: 200 | 201 | 202 | 204
  /** one line saying what it is for, in the words of its users */
  summary: string
}

/** Keeps the literal types of a table of endpoints, checked against EndpointDef. */
export function endpoints<const T extends Record<string, EndpointDef>>(table: T): T {
  return table
}

type Schema<E, K extends 'params' | 'query' | 'body'> = E extends { [P in K]: infer S extends z.ZodType }
  ? S
  : never

/** What a caller sends: only the parts the endpoint declares, each as its schema's input. */
export type EndpointRequest<E extends EndpointDef> = ([Schema<E, 'params'>] extends [never]
  ? unknown
  : { params: z.input<Schema<E, 'params'>> }) &
  ([Schema<E, 'query'>] extends [never] ? unknown : { query?: z.input<Schema<E, 'query'>> }) &
  ([Schema<E, 'body'>] extends [never] ? unknown : { body: z.input<Schema<E, 'body'>> })

/** What a successful call answers. */
export type EndpointResponse<E extends EndpointDef> = E['response'] extends z.ZodType
  ? z.output<E['response']>
  : E['response'] extends 'file'
    ? Blob
    : void

/** `POST /mp/v1/enterprise/bind`: the key the mini-program's `Endpoints` uses. */
export type EndpointKey<E extends EndpointDef> = `${Uppercase<E['method']>} ${E['path']}`

/** Fills `:name` params into a path. */
export function fillPath(path: string, params: Record<string, unknown> = {}) {
  return path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params[name])))
}
