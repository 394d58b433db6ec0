import {
  ClaimsEndpoints as E,
  type ClaimDecisionInput,
  type ClaimListQueryInput,
  type PolicyInputInput,
} from '@zct/api/contracts/claims/claims'
import {
  ClaimInsightEndpoints as I,
  type ClaimExportQueryInput,
} from '@zct/api/contracts/claims/claims.insights'
import {
  ClaimPaymentEndpoints as P,
  type BatchClaimsQuery,
  type BatchCreateInput,
  type BatchListQuery,
  type ImportLinesQuery,
  type NoticeCreateInput,
  type NoticeListQuery,
} from '@zct/api/contracts/claims/claims.payments'
import type { z } from 'zod'
import { FileEndpoints as F, type PageQueryInput } from './contracts'
import { uploadFile } from './files'
import { call, download, type RequestOptions } from './request'

// ── review ────────────────────────────────────────────────────────────────────────────────────────────
export const listClaims = (query: ClaimListQueryInput) => call(E.list, { query })
export const getClaim = (id: string, opts?: RequestOptions) => call(E.detail, { params: { id } }, opts)
export const decideClaim = (id: string, body: ClaimDecisionInput, opts?: RequestOptions) =>
  call(E.decide, { params: { id }, body }, opts)
export const objectClaim = (id: string, reason: string, opts?: RequestOptions) =>
  call(E.object, { params: { id }, body: { reason } }, opts)

// ── policies ──────────────────────────────────────────────────────────────────────────────────────────
export const listPolicies = () => call(E.policies, {})
export const createPolicy = (body: PolicyInputInput, opts?: RequestOptions) =>
  call(E.createPolicy, { body }, opts)
export const updatePolicy = (id: string, body: PolicyInputInput, opts?: RequestOptions) =>
  call(E.updatePolicy, { params: { id }, body }, opts)

// ── files ─────────────────────────────────────────────────────────────────────────────────────────────
/** A claim's material, with the session's token (claim.review / claim.pay); every view is audited. */
export const fetchClaimFile = (fileId: string) =>
  download(F.adminDownload, { params: { id: fileId } }, { silent: true })

/** An Excel file to import (bank results, the exam's pass list): `POST /files?purpose=claim-import`. */
export const uploadClaimImport = (file: File, onProgress?: (percent: number) => void) =>
  uploadFile(file, 'claim-import', onProgress)

// ── 免申即享, statistics and the export ─────────────────────────────────────────────────────────────────
export const importPassList = (fileId: string, opts?: RequestOptions) =>
  call(I.passListImport, { body: { fileId } }, opts)
export const listPassLists = (query: PageQueryInput) => call(I.passLists, { query })
export const getClaimStats = (year: number) => call(I.statsYear, { query: { year } })
/** The claims the list's filters select, as an xlsx (Chinese labels, Beijing time, ID numbers masked). */
export const exportClaims = (query: ClaimExportQueryInput, onProgress?: (loaded: number) => void) =>
  download(I.exportClaims, { query }, { onDownloadProgress: (e) => onProgress?.(e.loaded) })

// ── 公示 and payment batches ───────────────────────────────────────────────────────────────────────────
export const publishNotice = (body: NoticeCreateInput, opts?: RequestOptions) =>
  call(P.noticePublish, { body }, opts)
export const listNotices = (query: z.input<typeof NoticeListQuery>) => call(P.noticeList, { query })
export const getNotice = (id: string, opts?: RequestOptions) => call(P.noticeDetail, { params: { id } }, opts)

export const createBatch = (body: BatchCreateInput, opts?: RequestOptions) =>
  call(P.batchCreate, { body }, opts)
export const listBatches = (query: z.input<typeof BatchListQuery>) => call(P.batchList, { query })
export const getBatch = (id: string, opts?: RequestOptions) => call(P.batchDetail, { params: { id } }, opts)
export const listBatchClaims = (id: string, query: z.input<typeof BatchClaimsQuery>) =>
  call(P.batchClaims, { params: { id }, query })
/** The bank transfer file (xlsx); full account numbers only for pii.read holders, and audited. */
export const downloadTransferFile = (id: string) => download(P.batchTransferFile, { params: { id } })
export const downloadResultTemplate = (id: string) => download(P.batchResultTemplate, { params: { id } })
/** 202: the worker applies the file line by line; follow it with getBatch / getImport. */
export const importBatchResults = (id: string, fileId: string, opts?: RequestOptions) =>
  call(P.batchImportResults, { params: { id }, body: { fileId } }, opts)
export const getImport = (id: string, importId: string, query: z.input<typeof ImportLinesQuery>) =>
  call(P.batchImportDetail, { params: { id, importId }, query })
export const closeBatch = (id: string, opts?: RequestOptions) => call(P.batchClose, { params: { id } }, opts)
