import { createRouter, createWebHistory } from 'vue-router'
import { useSessionStore } from '@/stores/session'
import { routes } from './routes'

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

/** Signed out → login; must change password → that page first; lacking the route's permission → 403. */
router.beforeEach(async (to) => {
  const session = useSessionStore()
  if (to.meta.public) return to.name === 'login' && session.signedIn() ? { path: '/' } : true
  if (!session.signedIn())
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  if (!session.me) {
    // A failure here has already ended the session through the request client (or shown why).
    const me = await session.loadMe().catch(() => null)
    if (!me) return session.signedIn() ? false : { name: 'login', query: { redirect: to.fullPath } }
  }
  if (session.me?.mustChangePassword && to.name !== 'password')
    return { name: 'password', query: { redirect: to.fullPath } }
  if (!session.can(to.meta.permission)) return { name: 'forbidden', query: { from: to.fullPath } }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 知产通管理后台` : '知产通管理后台'
})
