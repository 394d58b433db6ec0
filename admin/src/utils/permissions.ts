import { PERMISSIONS, type Permission } from '@/api/contracts'

/** Labels for when the user may not call GET /permissions (it needs users.manage). */
export const PERMISSION_LABELS: Record<string, string> = { ...PERMISSIONS }

/** How permission checkboxes are grouped on the role form; a key missing here falls into 其他. */
export const PERMISSION_GROUPS: { title: string; keys: Permission[] }[] = [
  { title: '系统', keys: ['users.manage', 'audit.read'] },
  { title: '企业与个人信息', keys: ['enterprise.read', 'enterprise.manage', 'pii.read'] },
  { title: '内容与推送', keys: ['content.manage', 'push.manage', 'stats.read'] },
  { title: '培训与资助', keys: ['training.manage', 'claim.review', 'claim.pay'] },
  { title: '指导站', keys: ['station.manage'] },
]

export function groupPermissions<T extends { key: string }>(items: T[]): { title: string; items: T[] }[] {
  const byKey = new Map(items.map((i) => [i.key, i]))
  const groups = PERMISSION_GROUPS.map((g) => ({
    title: g.title,
    items: g.keys.flatMap((k) => byKey.get(k) ?? []),
  }))
  const placed = new Set(PERMISSION_GROUPS.flatMap((g) => g.keys as string[]))
  const rest = items.filter((i) => !placed.has(i.key))
  return [...groups, { title: '其他', items: rest }].filter((g) => g.items.length)
}
