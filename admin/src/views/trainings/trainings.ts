import { ElMessageBox } from 'element-plus'
import {
  CancelTrainingInput,
  RegistrationMachine,
  TrainingMachine,
  type RegistrationStatusOutput,
  type TrainingStatusOutput,
} from '@zct/api/contracts/trainings/trainings'
import type { StatusMap, TagType } from '@/components/StatusTag.vue'
import { bjDate, bjTime, bjYear, clock, dayKey } from '../stations/stations'

export { bjDate, bjTime, bjYear, clock, dayKey }

const TRAINING_TYPES: Record<TrainingStatusOutput, TagType> = {
  draft: 'info',
  published: 'success',
  cancelled: 'danger',
}
export const TRAINING_STATUS: StatusMap = Object.fromEntries(
  Object.entries(TrainingMachine.states).map(([k, label]) => [
    k,
    { label, type: TRAINING_TYPES[k as TrainingStatusOutput] },
  ]),
)

const REG_TYPES: Record<RegistrationStatusOutput, TagType> = {
  registered: 'success',
  waitlisted: 'warning',
  offered: 'primary',
  cancelled: 'info',
  declined: 'info',
  expired: 'danger',
  attended: 'success',
}
export const REGISTRATION_STATUS: StatusMap = Object.fromEntries(
  Object.entries(RegistrationMachine.states).map(([k, label]) => [
    k,
    { label, type: REG_TYPES[k as RegistrationStatusOutput] },
  ]),
)
/** Who staff may admit by hand (the machine's `admit` move). */
export const ADMITTABLE = RegistrationMachine.moves.admit.from as readonly RegistrationStatusOutput[]

/** A Beijing wall time `YYYY-MM-DD HH:mm` → ISO with its offset (what the api takes). */
export const instantOfWall = (wall: string) => (wall ? `${wall.replace(' ', 'T')}:00+08:00` : '')
/** An instant → its Beijing wall time `YYYY-MM-DD HH:mm` (what the pickers hold). */
export const wallOf = (t: number | string) => `${dayKey(t)} ${clock(t)}`

/** A session's span in Beijing time: `2026/03/03 09:00–12:00`. */
export const sessionSpan = (s: { startAt: string; endAt: string }) =>
  dayKey(s.startAt) === dayKey(s.endAt)
    ? `${bjTime(s.startAt)}–${clock(s.endAt)}`
    : `${bjTime(s.startAt)} – ${bjTime(s.endAt)}`

export const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`)

/**
 * Asks to publish a training; one with push targeting may also invite the targeted enterprises at once.
 * Resolves the publish body, or null when the user backs out.
 */
export async function askPublish(t: { title: string; capacity: number; targeting: unknown }) {
  const message = `发布后小程序即可看到并按报名时间报名：「${t.title}」，名额 ${t.capacity} 个。`
  if (!t.targeting)
    return ElMessageBox.confirm(message, '发布培训', { type: 'warning', confirmButtonText: '发布' }).then(
      () => ({ invite: false }),
      () => null,
    )
  return ElMessageBox.confirm(`${message}是否同时向推送对象发送报名邀请？`, '发布培训', {
    type: 'warning',
    confirmButtonText: '发布并推送邀请',
    cancelButtonText: '仅发布',
    distinguishCancelAndClose: true,
  }).then(
    () => ({ invite: true }),
    (action: unknown) => (action === 'cancel' ? { invite: false } : null),
  )
}

/** Which trainings may be called off (the machine's `cancel` move). */
export const CANCELLABLE = TrainingMachine.moves.cancel.from as readonly TrainingStatusOutput[]

/** Asks why a training is called off; resolves the reason, or null when the user backs out. */
export async function askCancel(t: { title: string; status: TrainingStatusOutput }) {
  const tail = t.status === 'published' ? '全部报名（含候补）将被取消，并通知报名人。' : '草稿将不再可发布。'
  const answer = await ElMessageBox.prompt(
    `取消培训「${t.title}」？${tail}操作将记入审计日志。`,
    '取消培训',
    {
      type: 'warning',
      confirmButtonText: '取消培训',
      cancelButtonText: '返回',
      inputType: 'textarea',
      inputPlaceholder: '取消原因，将告知报名人',
      inputValidator: (v) => {
        const res = CancelTrainingInput.shape.reason.safeParse(v ?? '')
        return res.success || (res.error.issues[0]?.message ?? false)
      },
    },
  ).catch(() => null)
  return answer?.value?.trim() || null
}
