export { startWorker, type WorkerOptions } from '@zct/api/tasks'
