import type { AdminPrincipal } from '../../platform/auth.js'
import { iso } from '../../platform/time.js'
import { workingDaysLeft } from '../../platform/workdays.js'
import {
  ClaimMachine,
  type AdminClaimOutput,
  type AdminClaimRowOutput,
  type BudgetOutput,
  type ClaimOutput,
  type MpClaimItemOutput,
} from './claims.contract.js'
import type { ClaimDoc } from './claims.model.js'

export type FileBriefs = Map<string, { id: string; name: string; mime: string; size: number }>

const brief = (files: FileBriefs, id: { toHexString(): string } | null | undefined) =>
  (id && files.get(id.toHexString())) || null

/** A claim as its applicant reads it: ID number, phone and account masked. */
export function presentClaim(
  c: ClaimDoc,
  files: FileBriefs,
  reveal: { idNumber: string; phone: string; accountNo: string } | null = null,
  now = new Date(),
): ClaimOutput {
  return {
    id: c._id.toHexString(),
    no: c.no,
    type: c.type,
    policy: { id: c.policyId.toHexString(), title: c.policyTitle },
    status: c.status,
    amountFen: c.amountFen,
    applicant: {
      name: c.applicant.name,
      idNumber: reveal?.idNumber ?? c.applicant.idMasked,
      phone: reveal?.phone ?? c.applicant.phoneMasked,
    },
    bank: {
      holderName: c.bank.holderName,
      accountNo: reveal?.accountNo ?? c.bank.accountMasked,
      bankName: c.bank.bankName,
    },
    holderMismatchReason: c.holderMismatchReason ?? null,
    districtCode: c.districtCode,
    residency: c.residency,
    examYear: c.examYear ?? null,
    receipts: (c.receipts ?? []).map((r) => ({
      subject: r.subject,
      examYear: r.examYear,
      amountFen: r.amountFen,
      file: brief(files, r.fileId),
    })),
    certificateNo: c.certificateNo ?? null,
    servicePeriods: (c.servicePeriods ?? []).map((s) => ({
      employer: s.employer,
      creditCode: s.creditCode ?? null,
      from: s.from,
      to: s.to,
    })),
    serviceMonths: c.serviceMonths ?? null,
    materials: (c.materials ?? []).map((m) => ({ kind: m.kind, file: brief(files, m.fileId) })),
    pledgeText: c.pledgeText,
    correction:
      c.status === 'returned' && c.correction
        ? {
            items: c.correction.items.map((i) => ({ path: i.path, comment: i.comment })),
            reason: c.correction.reason ?? '',
            deadline: iso(c.correction.deadline),
            workingDays: c.correction.workingDays,
            workingDaysLeft: workingDaysLeft(c.correction.deadline, now),
          }
        : null,
    reason: c.reason ?? null,
    source: c.source,
    history: (c.history ?? []).map((h) => ({
      at: iso(h.at),
      action: h.action,
      label:
        h.action === 'submit'
          ? '提交申请'
          : h.action === 'fixBank'
            ? '更正收款账户'
            : (ClaimMachine.moves[h.action as keyof typeof ClaimMachine.moves]?.label ?? h.action),
      from: h.from ?? null,
      to: h.to,
      by: { kind: h.by.kind, name: h.by.name },
      note: h.note ?? null,
    })),
    submittedAt: iso(c.submittedAt),
    paidAt: iso(c.paidAt),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  }
}

export function presentMpItem(c: ClaimDoc): MpClaimItemOutput {
  return {
    id: c._id.toHexString(),
    no: c.no,
    type: c.type,
    policy: { id: c.policyId.toHexString(), title: c.policyTitle },
    status: c.status,
    amountFen: c.amountFen,
    submittedAt: iso(c.submittedAt),
    updatedAt: iso(c.updatedAt),
    correctionDeadline: c.status === 'returned' ? iso(c.correction?.deadline) : null,
  }
}

export function presentAdminRow(c: ClaimDoc): AdminClaimRowOutput {
  return {
    id: c._id.toHexString(),
    no: c.no,
    type: c.type,
    status: c.status,
    amountFen: c.amountFen,
    districtCode: c.districtCode,
    examYear: c.examYear ?? null,
    submittedAt: iso(c.submittedAt),
    updatedAt: iso(c.updatedAt),
    source: c.source,
    applicantName: c.applicant.name,
    idNumber: c.applicant.idMasked,
    policyTitle: c.policyTitle,
    correctionDeadline: c.status === 'returned' ? iso(c.correction?.deadline) : null,
    firstApproved: !!c.review?.first,
  }
}

const step = (a: ClaimDoc['review']['first'], at: Date | null) =>
  a && at ? { by: a.id ? a.id.toHexString() : '', name: a.name, at: iso(at) } : null

/** The decisions a console user may take on a claim now, four eyes included. */
export function decisionsFor(c: ClaimDoc, viewer: AdminPrincipal): AdminClaimOutput['actions'] {
  if (!viewer.permissions.has('claim.review')) return []
  switch (c.status) {
    case 'submitted':
      return ['accept']
    case 'in_review': {
      const mine = !!c.review.first?.id && c.review.first.id.toHexString() === viewer.id
      return mine ? ['reject', 'return'] : [c.review.first ? 'approve' : 'firstApprove', 'reject', 'return']
    }
    case 'on_notice':
      return ['object']
    default:
      return []
  }
}

export function presentAdminClaim(
  c: ClaimDoc,
  files: FileBriefs,
  o: {
    reveal: { idNumber: string; phone: string; accountNo: string } | null
    viewer: AdminPrincipal
    warnings: string[]
    budget: BudgetOutput | null
  },
): AdminClaimOutput {
  return {
    ...presentClaim(c, files, o.reveal),
    review: {
      accepted: step(c.review.accepted, c.review.acceptedAt),
      first: step(c.review.first, c.review.firstAt),
      second: step(c.review.second, c.review.secondAt),
    },
    actions: decisionsFor(c, o.viewer),
    piiRevealed: !!o.reveal,
    warnings: o.warnings,
    noticeId: c.noticeId ? c.noticeId.toHexString() : null,
    batchId: c.batchId ? c.batchId.toHexString() : null,
    budget: o.budget,
  }
}
