import type { AuditPageOutput, AuditQueryInput } from './contracts'
import { request } from './request'

export const listAudit = (query: AuditQueryInput) => request.get<AuditPageOutput>('/audit', query)
