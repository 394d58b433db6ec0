/**
 * The api's contracts, re-exported from one place so views never spell package paths. Schemas are the
 * single source of truth for shapes (DESIGN "Fixed decisions"): types and form rules both come from here.
 */
export * from '@zct/api/contracts/common'
export * from '@zct/api/contracts/staff/staff'
export * from '@zct/api/contracts/audit/audit'
export * from '@zct/api/contracts/enterprises/enterprises'
export { PERMISSIONS, type Permission } from '@zct/api/platform/permissions'
