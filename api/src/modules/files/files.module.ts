import { defineModule } from '../../platform/modules.js'
import { FileEndpoints } from './files.contract.js'
import { registerFilesRoutes } from './files.routes.js'
import { createFilesService, type FilesService } from './files.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    files: FilesService
  }
}

export default defineModule({
  name: 'files',
  endpoints: FileEndpoints,
  build: ({ storage, config, log }) =>
    createFilesService({ storage, maxBytes: config.storage.maxBytes, log }),
  routes: (r, files, { services }) => registerFilesRoutes(r, files, services.audit),
})
