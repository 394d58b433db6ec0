import { AuditEndpoints as E, type AuditQueryInput } from './contracts'
import { call } from './request'

export const listAudit = (query: AuditQueryInput) => call(E.list, { query })
