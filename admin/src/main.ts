import * as Icons from '@element-plus/icons-vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { z } from 'zod'
import { productMessages } from '@/api/contracts'
import { installAuthHooks } from '@/api/request'
import { router } from '@/router'
import { useSessionStore } from '@/stores/session'
import App from './App.vue'
import './styles.css'

// Validation messages in product words built from the contracts' field labels, as the api itself answers.
z.config({ ...z.locales.zhCN(), ...productMessages() })

const app = createApp(App).use(createPinia()).use(ElementPlus)
for (const [name, icon] of Object.entries(Icons)) app.component(name, icon)

const session = useSessionStore()
installAuthHooks({
  accessToken: session.accessToken,
  refresh: session.refresh,
  expired() {
    session.clear()
    const here = router.currentRoute.value
    if (!here.meta.public) void router.replace({ name: 'login', query: { redirect: here.fullPath } })
  },
})

app.use(router).mount('#app')
