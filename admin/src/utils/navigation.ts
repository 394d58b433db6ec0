import type { LocationQuery } from 'vue-router'
import { ElMessageBox } from 'element-plus'

/** The `redirect` query as an in-app path; anything else (absent, absolute, `//host`) goes to the dashboard. */
export function redirectTarget(query: LocationQuery): string {
  const r = query.redirect
  return typeof r === 'string' && r.startsWith('/') && !r.startsWith('//') ? r : '/'
}

/** Asks before a destructive action; resolves whether the user agreed. */
export function confirmAction(
  message: string,
  title = '请确认',
  confirmButtonText = '确定',
): Promise<boolean> {
  return ElMessageBox.confirm(message, title, {
    type: 'warning',
    confirmButtonText,
    cancelButtonText: '取消',
  }).then(
    () => true,
    () => false,
  )
}
