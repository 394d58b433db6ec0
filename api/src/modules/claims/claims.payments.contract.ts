import { endpoints } from '../endpoints.contract.js'

/** Public notice (公示) and payment batches: endpoints under /admin/v1/claim-notices and /admin/v1/claim-batches. */
export const ClaimPaymentEndpoints = endpoints({})
