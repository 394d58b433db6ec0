import type {
  AdminContentQueryInput,
  AdminPatentQueryInput,
  AnnouncementAdminOutput,
  AnnouncementCreateInput,
  AnnouncementUpdateInput,
  PatentAdminOutput,
  PatentCreateInput,
  PatentUpdateInput,
  PreviewOutput,
} from './contracts'
import { request, type RequestOptions } from './request'

/**
 * 通知公告 and 专利信息 share one lifecycle on the api (`registerConsoleLifecycle`): the same ten routes
 * under two prefixes, so one typed factory serves both and the views can be written once.
 */
function lifecycle<Item, Create, Update, Query>(path: string) {
  type Page = { items: Item[]; total: number; page: number; pageSize: number }
  return {
    list: (query: Query) => request.get<Page>(path, query as object),
    get: (id: string) => request.get<Item>(`${path}/${id}`),
    create: (body: Create, opts?: RequestOptions) => request.post<Item>(path, body, opts),
    update: (id: string, body: Update, opts?: RequestOptions) =>
      request.patch<Item>(`${path}/${id}`, body, opts),
    schedule: (id: string, publishAt: string, opts?: RequestOptions) =>
      request.post<Item>(`${path}/${id}/schedule`, { publishAt }, opts),
    publish: (id: string, opts?: RequestOptions) =>
      request.post<Item>(`${path}/${id}/publish`, undefined, opts),
    withdraw: (id: string) => request.post<Item>(`${path}/${id}/withdraw`),
    pin: (id: string, pinned: boolean) => request.post<Item>(`${path}/${id}/${pinned ? 'pin' : 'unpin'}`),
    /** 已人工复核: clears the 待人工复核 mark of text WeChat's check asked a person to look at. */
    confirmReview: (id: string) => request.post<Item>(`${path}/${id}/review`),
    remove: (id: string) => request.delete(`${path}/${id}`),
  }
}

export const announcements = lifecycle<
  AnnouncementAdminOutput,
  AnnouncementCreateInput,
  AnnouncementUpdateInput,
  AdminContentQueryInput
>('/announcements')
export const patents = lifecycle<
  PatentAdminOutput,
  PatentCreateInput,
  PatentUpdateInput,
  AdminPatentQueryInput
>('/patents')
export type ContentApi = typeof announcements | typeof patents

/** The body as the server will store it, cleaned by its own allowlist (one implementation, no mirror). */
export const previewBody = (body: string, signal?: AbortSignal) =>
  request.post<PreviewOutput>('/content/preview', { body }, { silent: true, signal })
