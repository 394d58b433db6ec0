import { errors, type FieldIssue } from '../../platform/errors.js'

/** The refusals of the notifications domain, one function each. */
export const notificationErrors = {
  /** A mapping WeChat would refuse (47003) or that names what the kind does not have: refused on save. */
  templateInvalid: (issues: FieldIssue[]) => errors.validation(issues),
}
