import { WorkbenchEndpoints as E } from './contracts'
import { call } from './request'

/** The landing page's figures; each is present only when the user may act on it. */
export const getWorkbench = () => call(E.figures, {})
