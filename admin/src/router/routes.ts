import type { RouteRecordRaw } from 'vue-router'
import type { Permission } from '@/api/contracts'
import ConsoleLayout from '@/layouts/ConsoleLayout.vue'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** what the route needs; absent = any signed-in console user */
    permission?: Permission
    /** shown in the side menu under this group (absent = not a menu item) */
    menu?: { group?: string; icon: string; order: number }
    /** the menu entry to highlight on a page that has none of its own (a wizard, a detail page) */
    activeMenu?: string
    /** reachable signed out */
    public?: boolean
  }
}

/** Children of the layout: the menu is generated from these, filtered by what the user may access. */
export const consoleRoutes: RouteRecordRaw[] = [
  {
    path: '',
    name: 'dashboard',
    component: () => import('@/views/dashboard/DashboardView.vue'),
    meta: { title: '工作台', menu: { icon: 'HomeFilled', order: 0 } },
  },
  {
    path: 'enterprises',
    name: 'enterprises',
    component: () => import('@/views/enterprises/EnterprisesView.vue'),
    meta: {
      title: '企业管理',
      permission: 'enterprise.read',
      menu: { group: '企业服务', icon: 'OfficeBuilding', order: 10 },
    },
  },
  {
    path: 'join-requests',
    name: 'join-requests',
    component: () => import('@/views/enterprises/JoinRequestsView.vue'),
    meta: {
      title: '加入申请',
      permission: 'enterprise.read',
      menu: { group: '企业服务', icon: 'Stamp', order: 11 },
    },
  },
  {
    path: 'enterprise-verifications',
    name: 'enterprise-verifications',
    component: () => import('@/views/enterprises/VerificationsView.vue'),
    meta: {
      title: '待审核企业认证',
      permission: 'enterprise.manage',
      menu: { group: '企业服务', icon: 'DocumentChecked', order: 11.5 },
    },
  },
  {
    path: 'announcements',
    name: 'announcements',
    component: () => import('@/views/content/ContentListView.vue'),
    props: { kind: 'announcement' },
    meta: {
      title: '通知公告',
      permission: 'content.manage',
      menu: { group: '内容管理', icon: 'Bell', order: 12 },
    },
  },
  {
    path: 'patents',
    name: 'patents',
    component: () => import('@/views/content/ContentListView.vue'),
    props: { kind: 'patent' },
    meta: {
      title: '专利信息',
      permission: 'content.manage',
      menu: { group: '内容管理', icon: 'Reading', order: 13 },
    },
  },
  {
    path: 'campaigns',
    name: 'campaigns',
    component: () => import('@/views/campaigns/CampaignsView.vue'),
    meta: {
      title: '推送任务',
      permission: 'push.manage',
      menu: { group: '精准推送', icon: 'Promotion', order: 14 },
    },
  },
  {
    path: 'campaigns/new',
    name: 'campaign-new',
    component: () => import('@/views/campaigns/CampaignWizardView.vue'),
    meta: { title: '新建推送', permission: 'push.manage', activeMenu: '/campaigns' },
  },
  {
    path: 'campaigns/:id',
    name: 'campaign-detail',
    component: () => import('@/views/campaigns/CampaignDetailView.vue'),
    meta: { title: '推送详情', permission: 'push.manage', activeMenu: '/campaigns' },
  },
  {
    path: 'push-stats',
    name: 'campaign-stats',
    component: () => import('@/views/campaigns/CampaignStatsView.vue'),
    meta: {
      title: '推送统计',
      permission: 'stats.read',
      menu: { group: '精准推送', icon: 'DataAnalysis', order: 15 },
    },
  },
  {
    path: 'push-settings',
    name: 'campaign-settings',
    component: () => import('@/views/campaigns/CampaignSettingsView.vue'),
    meta: {
      title: '推送设置',
      permission: 'push.manage',
      menu: { group: '精准推送', icon: 'Setting', order: 16 },
    },
  },
  {
    path: 'notification-templates',
    name: 'notification-templates',
    component: () => import('@/views/notifications/NotificationTemplatesView.vue'),
    meta: {
      title: '通知模板',
      permission: 'push.manage',
      menu: { group: '精准推送', icon: 'Bell', order: 17 },
    },
  },
  {
    path: 'claims',
    name: 'claims',
    component: () => import('@/views/claims/ClaimsView.vue'),
    meta: {
      title: '资助申请',
      permission: 'claim.review',
      menu: { group: '资助兑现', icon: 'Money', order: 18 },
    },
  },
  {
    path: 'claims/:id([0-9a-f]{24})',
    name: 'claim-detail',
    component: () => import('@/views/claims/ClaimDetailView.vue'),
    meta: { title: '申请详情', permission: 'claim.review', activeMenu: '/claims' },
  },
  {
    path: 'claim-notices',
    name: 'claim-notices',
    component: () => import('@/views/claims/NoticesView.vue'),
    meta: {
      title: '资助公示',
      permission: 'claim.review',
      menu: { group: '资助兑现', icon: 'Notification', order: 18.1 },
    },
  },
  {
    path: 'claim-batches',
    name: 'claim-batches',
    component: () => import('@/views/claims/BatchesView.vue'),
    meta: {
      title: '发放批次',
      permission: 'claim.pay',
      menu: { group: '资助兑现', icon: 'Wallet', order: 18.2 },
    },
  },
  {
    path: 'claim-batches/:id([0-9a-f]{24})',
    name: 'claim-batch-detail',
    component: () => import('@/views/claims/BatchDetailView.vue'),
    meta: { title: '发放批次详情', permission: 'claim.pay', activeMenu: '/claim-batches' },
  },
  {
    path: 'claim-pass-lists',
    name: 'claim-pass-lists',
    component: () => import('@/views/claims/PassListView.vue'),
    meta: {
      title: '免申即享',
      permission: 'claim.review',
      menu: { group: '资助兑现', icon: 'Tickets', order: 18.3 },
    },
  },
  {
    path: 'claim-stats',
    name: 'claim-stats',
    component: () => import('@/views/claims/ClaimStatsView.vue'),
    meta: {
      title: '资助统计',
      permission: 'claim.review',
      menu: { group: '资助兑现', icon: 'PieChart', order: 18.4 },
    },
  },
  {
    path: 'claim-policies',
    name: 'claim-policies',
    component: () => import('@/views/claims/PoliciesView.vue'),
    meta: {
      title: '资助政策',
      permission: 'claim.policy',
      menu: { group: '资助兑现', icon: 'Files', order: 18.5 },
    },
  },
  {
    path: 'stations',
    name: 'stations',
    component: () => import('@/views/stations/StationsView.vue'),
    meta: {
      title: '指导站',
      permission: 'station.manage',
      menu: { group: '指导站', icon: 'School', order: 19 },
    },
  },
  {
    path: 'station-slots',
    name: 'station-slots',
    component: () => import('@/views/stations/SlotCalendarView.vue'),
    meta: {
      title: '时段日历',
      permission: 'station.manage',
      menu: { group: '指导站', icon: 'Calendar', order: 19.1 },
    },
  },
  {
    path: 'station-bookings',
    name: 'station-bookings',
    component: () => import('@/views/stations/BookingsView.vue'),
    meta: {
      title: '预约管理',
      permission: 'station.manage',
      menu: { group: '指导站', icon: 'Tickets', order: 19.2 },
    },
  },
  {
    path: 'station-bookings/:id([0-9a-f]{24})',
    name: 'station-booking-detail',
    component: () => import('@/views/stations/BookingDetailView.vue'),
    meta: { title: '预约详情', permission: 'station.manage', activeMenu: '/station-bookings' },
  },
  {
    path: 'station-ledger',
    name: 'station-ledger',
    component: () => import('@/views/stations/LedgerView.vue'),
    meta: {
      title: '服务台账',
      permission: 'station.manage',
      menu: { group: '指导站', icon: 'Notebook', order: 19.3 },
    },
  },
  {
    path: 'station-stats',
    name: 'station-stats',
    component: () => import('@/views/stations/StationStatsView.vue'),
    meta: {
      title: '指导站统计',
      permission: 'station.manage',
      menu: { group: '指导站', icon: 'TrendCharts', order: 19.4 },
    },
  },
  {
    path: 'trainings',
    name: 'trainings',
    component: () => import('@/views/trainings/TrainingsView.vue'),
    meta: {
      title: '培训管理',
      permission: 'training.manage',
      menu: { group: '培训', icon: 'Reading', order: 19.5 },
    },
  },
  {
    path: 'trainings/:id([0-9a-f]{24})',
    name: 'training-detail',
    component: () => import('@/views/trainings/TrainingDetailView.vue'),
    meta: { title: '培训详情', permission: 'training.manage', activeMenu: '/trainings' },
  },
  {
    path: 'trainings/:id([0-9a-f]{24})/sessions/:sessionId([0-9a-f]{24})/checkin',
    name: 'training-checkin',
    component: () => import('@/views/trainings/CheckinScreenView.vue'),
    meta: { title: '签到屏', permission: 'training.manage', activeMenu: '/trainings' },
  },
  {
    path: 'training-stats',
    name: 'training-stats',
    component: () => import('@/views/trainings/TrainingStatsView.vue'),
    meta: {
      title: '培训统计',
      permission: 'training.manage',
      menu: { group: '培训', icon: 'TrendCharts', order: 19.6 },
    },
  },
  {
    path: 'users',
    name: 'staff',
    component: () => import('@/views/staff/StaffView.vue'),
    meta: {
      title: '后台用户',
      permission: 'users.manage',
      menu: { group: '系统管理', icon: 'User', order: 20 },
    },
  },
  {
    path: 'roles',
    name: 'roles',
    component: () => import('@/views/staff/RolesView.vue'),
    meta: {
      title: '角色权限',
      permission: 'users.manage',
      menu: { group: '系统管理', icon: 'Lock', order: 21 },
    },
  },
  {
    path: 'audit',
    name: 'audit',
    component: () => import('@/views/audit/AuditView.vue'),
    meta: {
      title: '审计日志',
      permission: 'audit.read',
      menu: { group: '系统管理', icon: 'Document', order: 22 },
    },
  },
  {
    path: 'password',
    name: 'password',
    component: () => import('@/views/auth/ChangePasswordView.vue'),
    meta: { title: '修改密码' },
  },
  {
    path: '403',
    name: 'forbidden',
    component: () => import('@/views/errors/ForbiddenView.vue'),
    meta: { title: '无权访问' },
  },
]

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/auth/LoginView.vue'),
    meta: { title: '登录', public: true },
  },
  { path: '/', component: ConsoleLayout, children: consoleRoutes },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/errors/NotFoundView.vue'),
    meta: { title: '页面不存在', public: true },
  },
]
