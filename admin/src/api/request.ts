import {
  fillPath,
  type EndpointDef,
  type EndpointRequest,
  type EndpointResponse,
} from '@zct/api/contracts/endpoints'
import axios, { type AxiosError, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios'
import { ElMessage } from 'element-plus'
import type { ErrorBodyOutput } from './contracts'

/** Per-call options. `silent`: the caller shows the error itself (forms map 400 field errors). */
export interface RequestOptions {
  silent?: boolean
}

declare module 'axios' {
  interface AxiosRequestConfig {
    silent?: boolean
    /** set on the replay after a refresh, so a second 401 does not loop */
    _retried?: boolean
    /** the refresh call itself must not trigger a refresh */
    _skipAuth?: boolean
  }
}

/** The api's error envelope as a throwable; `status` 0 means the network failed. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly retryAfter?: number,
  ) {
    super(message)
  }

  /** Field errors of a 400 VALIDATION_FAILED, as `{ path, message }` with dotted paths. */
  get fields(): { path: string; message: string }[] {
    const d = this.details as { fields?: { path: string; message: string }[] } | undefined
    return this.code === 'VALIDATION_FAILED' && Array.isArray(d?.fields) ? d.fields : []
  }
}

/**
 * Where tokens live and how the session ends. The session store registers itself here, so this module
 * stays free of pinia and router imports (and of import cycles).
 */
export interface AuthHooks {
  accessToken(): string | null
  /** Trades the refresh token for a new pair; resolves false when the session cannot be renewed. */
  refresh(): Promise<boolean>
  /** The session is over: clear it and send the user to the login page. */
  expired(): void
}
let hooks: AuthHooks | undefined
export function installAuthHooks(h: AuthHooks) {
  hooks = h
}

export const http = axios.create({ baseURL: `${import.meta.env.BASE_URL}v1`, timeout: 20_000 })

http.interceptors.request.use((config) => {
  const token = config._skipAuth ? null : hooks?.accessToken()
  if (token) config.headers.set('Authorization', `Bearer ${token}`)
  return config
})

function toApiError(err: AxiosError<ErrorBodyOutput>): ApiError {
  const res = err.response
  if (!res)
    return new ApiError(
      0,
      'NETWORK',
      err.code === 'ECONNABORTED' ? '请求超时，请稍后重试' : '网络连接失败，请检查网络后重试',
    )
  const body = res.data?.error
  const retryAfter = Number(res.headers['retry-after']) || undefined
  if (body?.code) return new ApiError(res.status, body.code, body.message, body.details, retryAfter)
  return new ApiError(
    res.status,
    `HTTP_${res.status}`,
    res.status >= 500 ? '服务暂时不可用，请稍后重试' : `请求失败（${res.status}）`,
    undefined,
    retryAfter,
  )
}

/** A download (`responseType: 'blob'`) that failed still carries the JSON error envelope: read it back. */
async function readBlobError(raw: AxiosError<ErrorBodyOutput>) {
  const res = raw.response
  if (!(res?.data instanceof Blob) || !res.data.type.includes('json')) return
  try {
    res.data = JSON.parse(await res.data.text()) as ErrorBodyOutput
  } catch {
    // not the envelope after all: the status-based message applies
  }
}

http.interceptors.response.use(undefined, async (raw: AxiosError<ErrorBodyOutput>) => {
  const config = raw.config as InternalAxiosRequestConfig | undefined
  await readBlobError(raw)
  const err = toApiError(raw)
  if (config && !config._skipAuth && err.status === 401) {
    const sentWith = String(config.headers.get('Authorization') ?? '').replace(/^Bearer /, '')
    // Another request (or tab) may have renewed the session while this one was in flight: replay with it.
    const renewed =
      (sentWith && hooks?.accessToken() !== sentWith) ||
      (err.code === 'TOKEN_INVALID' && !config._retried && (await hooks?.refresh()))
    if (renewed && hooks?.accessToken() && !config._retried)
      return http.request({ ...config, _retried: true })
    hooks?.expired()
    throw err // the login page explains; a toast on top would only repeat it
  }
  if (!config?.silent) ElMessage.error(err.message)
  throw err
})

/** RFC 6266: prefer the UTF-8 `filename*`, else the plain `filename`. */
function filenameOf(disposition: string): string | undefined {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1]
  if (star) return decodeURIComponent(star)
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1]
}

/** Hands a downloaded file to the browser's save dialog. */
export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob)
  const a = Object.assign(document.createElement('a'), { href: url, download: filename })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/**
 * Downloads from a file endpoint (`response: 'file'`) declared in an api contract, with the auth header like
 * any call: the blob, and the name the server gave it in its Content-Disposition.
 */
export function download<E extends EndpointDef & { response: 'file' }>(
  e: E,
  req: EndpointRequest<E>,
  opts: RequestOptions & Pick<AxiosRequestConfig, 'onDownloadProgress'> = {},
) {
  const r = req as { params?: Record<string, unknown>; query?: object }
  const url = fillPath(e.path, r.params).slice('/admin/v1'.length)
  return http
    .get<Blob>(url, { params: r.query, responseType: 'blob', timeout: 120_000, ...opts })
    .then((res) => ({
      blob: res.data,
      filename: filenameOf(String(res.headers['content-disposition'] ?? '')),
    }))
}

/**
 * Calls an endpoint declared in an api contract: path, method and types come from the declaration, so a
 * console API function is one line and cannot drift from the server (`call(CampaignEndpoints.send, …)`).
 */
export function call<E extends EndpointDef>(
  e: E,
  req: EndpointRequest<E>,
  opts: RequestOptions & AxiosRequestConfig = {},
): Promise<EndpointResponse<E>> {
  const r = req as { params?: Record<string, unknown>; query?: object; body?: unknown }
  const url = fillPath(e.path, r.params).slice('/admin/v1'.length)
  return http
    .request<EndpointResponse<E>>({
      method: e.method,
      url,
      params: r.query,
      data: r.body,
      ...(e.response === 'file' ? { responseType: 'blob', timeout: 120_000 } : {}),
      ...opts,
    })
    .then((res) => res.data)
}
