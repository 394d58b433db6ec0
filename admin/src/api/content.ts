import type { EndpointDef, EndpointRequest, EndpointResponse } from '@zct/api/contracts/endpoints'
import { ContentEndpoints as C } from './contracts'
import { call, type RequestOptions } from './request'

type Kind = 'announcement' | 'patent'
type Action =
  | 'List'
  | 'Get'
  | 'Create'
  | 'Update'
  | 'Schedule'
  | 'Publish'
  | 'Withdraw'
  | 'Pin'
  | 'Unpin'
  | 'Review'
  | 'Remove'
/** A kind's console endpoint in ContentEndpoints: `announcementList`, `patentPublish`… */
type Ep<K extends Kind, A extends Action> = (typeof C)[`${K}${A}`]
type Query<E extends EndpointDef> = NonNullable<(EndpointRequest<E> & { query?: unknown })['query']>
type Body<E extends EndpointDef> = (EndpointRequest<E> & { body: unknown })['body']

/**
 * 通知公告 and 专利信息 share one lifecycle on the api: the same eleven endpoints under two paths
 * (`<kind>List`, `<kind>Get`… in ContentEndpoints), so one factory serves both and the views can be
 * written once. Each function's argument and answer types are its endpoint's.
 */
function lifecycle<K extends Kind>(kind: K) {
  // tsc cannot pair a request with an endpoint picked by a generic key; the signatures below carry the types.
  const on = <A extends Action>(action: A, req: object, opts?: RequestOptions) =>
    call(C[`${kind}${action}`] as EndpointDef, req as never, opts) as Promise<EndpointResponse<Ep<K, A>>>
  return {
    list: (query: Query<Ep<K, 'List'>>) => on('List', { query }),
    get: (id: string) => on('Get', { params: { id } }),
    create: (body: Body<Ep<K, 'Create'>>, opts?: RequestOptions) => on('Create', { body }, opts),
    update: (id: string, body: Body<Ep<K, 'Update'>>, opts?: RequestOptions) =>
      on('Update', { params: { id }, body }, opts),
    schedule: (id: string, publishAt: string, opts?: RequestOptions) =>
      on('Schedule', { params: { id }, body: { publishAt } }, opts),
    publish: (id: string, opts?: RequestOptions) => on('Publish', { params: { id } }, opts),
    withdraw: (id: string) => on('Withdraw', { params: { id } }),
    pin: (id: string, pinned: boolean) => on(pinned ? 'Pin' : 'Unpin', { params: { id } }),
    /** 已人工复核: clears the 待人工复核 mark of text WeChat's check asked a person to look at. */
    confirmReview: (id: string) => on('Review', { params: { id } }),
    remove: (id: string) => on('Remove', { params: { id } }),
  }
}

export const announcements = lifecycle('announcement')
export const patents = lifecycle('patent')
export type ContentApi = typeof announcements | typeof patents

/** The body as the server will store it, cleaned by its own allowlist (one implementation, no mirror). */
export const previewBody = (body: string, signal?: AbortSignal) =>
  call(C.preview, { body: { body } }, { silent: true, signal })
