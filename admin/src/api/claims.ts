import { ClaimsEndpoints as E, type ClaimListQueryInput } from '@zct/api/contracts/claims/claims'
import { call } from './request'

export const listClaims = (query: ClaimListQueryInput) => call(E.list, { query })
export const getClaim = (id: string) => call(E.detail, { params: { id } })
