/**
 * The api's contracts, re-exported from one place so views never spell package paths. Schemas are the
 * single source of truth for shapes (DESIGN "Fixed decisions"): types and form rules both come from here.
 */
export * from '@zct/api/contracts/common'
export * from '@zct/api/contracts/errors'
export * from '@zct/api/contracts/machine'
export * from '@zct/api/contracts/staff/staff'
export * from '@zct/api/contracts/audit/audit'
export * from '@zct/api/contracts/enterprises/enterprises'
export * from '@zct/api/contracts/taxonomy/taxonomy'
export * from '@zct/api/contracts/interests/interests'
export * from '@zct/api/contracts/content/content'
export * from '@zct/api/contracts/files/files'
export * from '@zct/api/contracts/campaigns/campaigns'
export * from '@zct/api/contracts/settings/settings'
export * from '@zct/api/contracts/workbench/workbench'
export { PERMISSIONS, type Permission } from '@zct/api/permissions'
