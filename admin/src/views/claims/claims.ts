import { shallowRef } from 'vue'
import {
  CLAIM_STATUS_LABELS,
  CLAIM_TYPE_LABELS,
  EXAM_SUBJECT_LABELS,
  MATERIAL_KIND_LABELS,
  POLICY_STATE_LABELS,
  RESIDENCY_LABELS,
  type AdminClaimOutput,
  type ClaimStatusOutput,
} from '@zct/api/contracts/claims/claims'
import {
  BATCH_OUTCOME_LABELS,
  BATCH_STATUS_LABELS,
  IMPORT_STATUS_LABELS,
  LINE_OUTCOME_LABELS,
} from '@zct/api/contracts/claims/claims.payments'
import type { StatusMap, TagType } from '@/components/StatusTag.vue'
import { loadRegions } from '@/utils/taxonomy'

export { CLAIM_STATUS_LABELS, CLAIM_TYPE_LABELS, EXAM_SUBJECT_LABELS, MATERIAL_KIND_LABELS, RESIDENCY_LABELS }

/** The queue's tabs, in the order a claim walks them. */
export const STATUS_ORDER: ClaimStatusOutput[] = [
  'submitted',
  'in_review',
  'returned',
  'approved',
  'on_notice',
  'cleared',
  'in_payment',
  'payment_failed',
  'paid',
  'rejected',
  'expired',
  'withdrawn',
]

const STATUS_TYPES: Record<ClaimStatusOutput, TagType> = {
  submitted: 'warning',
  in_review: 'primary',
  returned: 'warning',
  approved: 'success',
  rejected: 'danger',
  expired: 'info',
  on_notice: 'primary',
  cleared: 'success',
  in_payment: 'primary',
  paid: 'success',
  payment_failed: 'danger',
  withdrawn: 'info',
}
export const CLAIM_STATUS: StatusMap = Object.fromEntries(
  STATUS_ORDER.map((s) => [s, { label: CLAIM_STATUS_LABELS[s], type: STATUS_TYPES[s] }]),
)

export const POLICY_STATE: StatusMap = {
  open: { label: POLICY_STATE_LABELS.open, type: 'success' },
  upcoming: { label: POLICY_STATE_LABELS.upcoming, type: 'primary' },
  window_closed: { label: POLICY_STATE_LABELS.window_closed, type: 'warning' },
  expired: { label: POLICY_STATE_LABELS.expired, type: 'info' },
  disabled: { label: POLICY_STATE_LABELS.disabled, type: 'info' },
}

export const BATCH_STATUS: StatusMap = {
  open: { label: BATCH_STATUS_LABELS.open, type: 'primary' },
  closed: { label: BATCH_STATUS_LABELS.closed, type: 'info' },
}
export const BATCH_OUTCOME: StatusMap = {
  pending: { label: BATCH_OUTCOME_LABELS.pending, type: 'warning' },
  paid: { label: BATCH_OUTCOME_LABELS.paid, type: 'success' },
  failed: { label: BATCH_OUTCOME_LABELS.failed, type: 'danger' },
}
export const IMPORT_STATUS: StatusMap = {
  queued: { label: IMPORT_STATUS_LABELS.queued, type: 'info' },
  running: { label: IMPORT_STATUS_LABELS.running, type: 'primary' },
  done: { label: IMPORT_STATUS_LABELS.done, type: 'success' },
  failed: { label: IMPORT_STATUS_LABELS.failed, type: 'danger' },
}
/** A bank line's outcome: only `paid` and `failed` changed a claim; the rest were left alone, and say why. */
export const LINE_OUTCOME: StatusMap = Object.fromEntries(
  (Object.keys(LINE_OUTCOME_LABELS) as (keyof typeof LINE_OUTCOME_LABELS)[]).map((k) => [
    k,
    {
      label: LINE_OUTCOME_LABELS[k],
      type: k === 'paid' ? 'success' : k === 'failed' ? 'danger' : k === 'pending' ? 'info' : 'warning',
    },
  ]),
)
/** Short names for the outcome counts of an import. */
export const LINE_OUTCOME_SHORT: Record<keyof typeof LINE_OUTCOME_LABELS, string> = {
  pending: '待处理',
  paid: '成功',
  failed: '失败',
  already_paid: '已成功过',
  already_failed: '已失败过',
  amount_mismatch: '金额不符',
  not_in_batch: '非本批次',
  unknown: '参考号不存在',
  conflict: '结果矛盾',
}

/** The short type names a table column has room for. */
export const CLAIM_TYPE_SHORT: Record<keyof typeof CLAIM_TYPE_LABELS, string> = {
  exam_fee: '考试报名费资助',
  agent_reward: '代理师服务奖励',
}

// ── money: integer fen on the wire, 元 on the screen ─────────────────────────────────────────────────

const yuanFormat = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/** 150000 → `1,500.00 元`. */
export function yuan(fen: number | null | undefined, unit = true): string {
  if (fen === null || fen === undefined) return '—'
  return `${yuanFormat.format(fen / 100)}${unit ? ' 元' : ''}`
}

/** 元 typed in a form → integer fen (1,500.5 元 → 150050), never a float. */
export const toFen = (yuanValue: number) => Math.round(yuanValue * 100)
export const toYuan = (fen: number) => fen / 100

// ── time: Beijing, whatever the browser's zone ───────────────────────────────────────────────────────

const beijing = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})
const beijingDay = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** ISO → `2026/03/01 14:05` in Beijing time; empty for null. */
export const bjTime = (iso: string | null | undefined) => (iso ? beijing.format(new Date(iso)) : '')
/** ISO → `2026/03/01` (Beijing); empty for null. */
export const bjDate = (iso: string | null | undefined) => (iso ? beijingDay.format(new Date(iso)) : '')
/** The current Beijing year. */
export const bjYear = () => new Date(Date.now() + 8 * 3600_000).getUTCFullYear()

// ── districts: the counties of 韶关市 for filters; any code shows by its name ─────────────────────────

export const CITY_CODE = '440200'
const districts = shallowRef<{ code: string; name: string }[]>([])
const names = shallowRef<Map<string, string>>(new Map())

/** The districts of the city (from the national divisions, loaded once). */
export function useDistricts() {
  if (!districts.value.length)
    void loadRegions().then((m) => {
      const city = m.REGION_TREE.flatMap((p) => p.children ?? []).find((c) => c.code === CITY_CODE)
      districts.value = (city?.children ?? []).map((c) => ({ code: c.code, name: c.name }))
      names.value = new Map(
        districts.value.map((d) => [d.code, d.name] as const).concat([[CITY_CODE, '韶关市']]),
      )
    })
  return districts
}

/** 武江区 for 440203, the bare code for one outside the city (or before the names load). */
export function districtName(code: string): string {
  if (!names.value.size) useDistricts()
  return names.value.get(code) ?? code
}

// ── correction items: what a reviewer can point at ───────────────────────────────────────────────────

/** A field a return can mark, by the path the mini-program highlights. */
export interface CorrectionTarget {
  path: string
  label: string
  group: '申请人' | '收款账户' | '申请信息' | '材料'
}

/**
 * Everything in a claim a return can mark: identity and account fields, the type's own fields, each
 * receipt or service period, and each material by kind (the required ones of the policy included even
 * when missing, so "please add your social-insurance record" can be asked for).
 */
export function correctionTargets(c: AdminClaimOutput): CorrectionTarget[] {
  const t: CorrectionTarget[] = [
    { path: 'applicant.name', label: '申请人姓名', group: '申请人' },
    { path: 'applicant.idNumber', label: '身份证号码', group: '申请人' },
    { path: 'applicant.phone', label: '手机号', group: '申请人' },
    { path: 'districtCode', label: '所在区县', group: '申请人' },
    { path: 'residency', label: '在本市的身份', group: '申请人' },
    { path: 'bank.holderName', label: '开户名', group: '收款账户' },
    { path: 'bank.accountNo', label: '银行账号', group: '收款账户' },
    { path: 'bank.bankName', label: '开户银行', group: '收款账户' },
  ]
  if (c.type === 'exam_fee') {
    t.push({ path: 'examYear', label: '通过考试的年度', group: '申请信息' })
    c.receipts.forEach((r, i) =>
      t.push({
        path: `receipts.${i}`,
        label: `缴费凭证 ${i + 1}：${r.examYear} 年${EXAM_SUBJECT_LABELS[r.subject]} ${yuan(r.amountFen)}`,
        group: '申请信息',
      }),
    )
  } else {
    t.push({ path: 'certificateNo', label: '资格证书编号', group: '申请信息' })
    c.servicePeriods.forEach((s, i) =>
      t.push({
        path: `servicePeriods.${i}`,
        label: `服务经历 ${i + 1}：${s.employer}（${s.from} 至 ${s.to}）`,
        group: '申请信息',
      }),
    )
  }
  const kinds = new Set(c.materials.map((m) => m.kind))
  for (const k of kinds) t.push({ path: `materials.${k}`, label: MATERIAL_KIND_LABELS[k], group: '材料' })
  for (const k of Object.keys(MATERIAL_KIND_LABELS) as (keyof typeof MATERIAL_KIND_LABELS)[])
    if (!kinds.has(k) && k !== 'exam_receipt')
      t.push({ path: `materials.${k}`, label: `${MATERIAL_KIND_LABELS[k]}（未提交）`, group: '材料' })
  return t
}

/** The label of a correction path the claim was returned with. */
export function correctionLabel(c: AdminClaimOutput, path: string): string {
  return (
    correctionTargets(c)
      .find((t) => t.path === path)
      ?.label.replace('（未提交）', '') ?? path
  )
}
