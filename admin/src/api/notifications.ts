import {
  NotificationEndpoints as E,
  type NotificationKind,
  type TemplateConfigInput,
} from '@zct/api/contracts/notifications/notifications'
import { call, type RequestOptions } from './request'

export {
  KEYWORD_TYPES,
  keywordType,
  templateIssues,
  TemplateConfig,
  type NotificationKind,
  type NotificationKindOutput,
  type TemplateConfigInput,
} from '@zct/api/contracts/notifications/notifications'

export const listNotificationTemplates = () => call(E.listTemplates, {})
export const saveNotificationTemplate = (
  kind: NotificationKind,
  body: TemplateConfigInput,
  opts?: RequestOptions,
) => call(E.saveTemplate, { params: { kind }, body }, opts)
