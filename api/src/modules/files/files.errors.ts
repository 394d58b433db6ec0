import { errors } from '../../platform/errors.js'
import type { Permission } from '../../platform/permissions.js'

/** The refusals of uploads and file views, one function each. */
export const fileErrors = {
  /** The viewer lacks every permission that may read this kind of material. */
  forbidden: (message: string, needed: readonly Permission[]) =>
    errors.forbidden(message, { missing: needed }, 'FILE_FORBIDDEN'),
  required: () => errors.badRequest('FILE_REQUIRED', '请选择要上传的文件'),
  tooMany: () => errors.badRequest('TOO_MANY_FILES', '每次只能上传一个文件'),
  multipartInvalid: (message = '上传内容格式不正确，请重新选择文件上传') =>
    errors.badRequest('MULTIPART_INVALID', message),
  aborted: () => errors.badRequest('UPLOAD_ABORTED', '上传中断，请重试'),
}
