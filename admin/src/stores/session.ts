import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as auth from '@/api/auth'
import type { AdminSessionOutput, MeOutput, Permission } from '@/api/contracts'

const STORAGE_KEY = 'zct.admin.tokens'

interface Tokens {
  accessToken: string
  refreshToken: string
}

function readTokens(): Tokens | null {
  try {
    const t = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Tokens | null
    return t?.accessToken && t.refreshToken ? t : null
  } catch {
    return null
  }
}

/** Runs `fn` holding a lock shared by every tab of this origin, when the browser offers one. */
function withTabLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks
  return locks ? (locks.request('zct.admin.refresh', fn) as Promise<T>) : fn()
}

/**
 * The signed-in console user. Tokens live in localStorage (read afresh each time, so tabs share one
 * session); `me` is what the menu and route guards decide on.
 */
export const useSessionStore = defineStore('session', () => {
  const me = ref<MeOutput | null>(null)
  let inflight: Promise<boolean> | null = null

  const permissions = computed(() => new Set<string>(me.value?.permissions ?? []))
  const signedIn = () => readTokens() !== null

  function can(permission: Permission | null | undefined) {
    return !permission || permissions.value.has(permission)
  }

  function accept(session: AdminSessionOutput) {
    localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({ accessToken: session.accessToken, refreshToken: session.refreshToken }),
    )
    me.value = session.user
  }

  function clear() {
    localStorage.removeItem(STORAGE_KEY)
    me.value = null
  }

  async function login(username: string, password: string) {
    accept(await auth.login({ username, password }))
  }

  async function loadMe() {
    me.value = await auth.fetchMe()
    return me.value
  }

  /**
   * Refresh tokens rotate and are single-use: a second use revokes the whole session. So one refresh is in
   * flight per tab (shared by every concurrent 401) and tabs take turns through a Web Lock; a tab that
   * waited re-reads storage and skips the call when another tab already rotated the pair.
   */
  function refresh(): Promise<boolean> {
    const before = readTokens()
    inflight ??= withTabLock(async () => {
      const now = readTokens()
      if (!now) return false
      if (before && now.refreshToken !== before.refreshToken) return true
      try {
        accept(await auth.refresh(now.refreshToken))
        return true
      } catch {
        return false
      }
    }).finally(() => (inflight = null))
    return inflight
  }

  async function logout() {
    await auth.logout(readTokens()?.refreshToken ?? null).catch(() => undefined)
    clear()
  }

  return {
    me,
    can,
    signedIn,
    accessToken: () => readTokens()?.accessToken ?? null,
    accept,
    clear,
    login,
    loadMe,
    refresh,
    logout,
  }
})
