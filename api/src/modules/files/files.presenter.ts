import type { FileOutput } from './files.contract.js'
import type { StoredFileDoc } from './files.model.js'
import { iso } from '../../platform/time.js'

export function presentFile(f: StoredFileDoc): FileOutput {
  return {
    id: f._id.toHexString(),
    name: f.originalName,
    size: f.size,
    mime: f.mime,
    sha256: f.sha256,
    createdAt: iso(f.createdAt),
  }
}
