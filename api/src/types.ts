/**
 * Types-only public entry: the endpoint table of every listed module, for the generated mini-program types
 * and the typed test client. No runtime code is reachable from here through `import type`.
 */
import type { MODULES } from './modules/index.js'

export type { AllEndpoints } from './modules/index.js'
/**
 * Every listed module's endpoint table, as a union. Unlike the merged `AllEndpoints`, no entry is lost when
 * two tables use the same key (`list`, `get`): the mini-program types pick their entries from this by path.
 */
export type EndpointTables = NonNullable<(typeof MODULES)[number]['endpoints']>
export type {
  EndpointDef,
  EndpointKey,
  EndpointRequest,
  EndpointResponse,
} from './modules/endpoints.contract.js'
