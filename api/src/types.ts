/**
 * Types-only public entry: the endpoint table of every listed module, for the generated mini-program types
 * and the typed test client. No runtime code is reachable from here through `import type`.
 */
export type { EndpointTables } from './modules/index.js'
export type {
  EndpointDef,
  EndpointKey,
  EndpointRequest,
  EndpointResponse,
} from './modules/endpoints.contract.js'
