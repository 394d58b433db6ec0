import type { WorkbenchOutput } from './contracts'
import { request } from './request'

/** The landing page's figures; each is present only when the user may act on it. */
export const getWorkbench = () => request.get<WorkbenchOutput>('/workbench')
