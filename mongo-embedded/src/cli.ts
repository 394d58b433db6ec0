#!/usr/bin/env -S npx tsx
/**
 * mongo-embedded [--port 27017] [--dbpath ./data/db | --memory] [--host 127.0.0.1] [--journalCommitInterval 50]
 *   [--ttlMonitorInterval 15000]
 */
import { parseArgs } from 'node:util'
import { startServer } from './server.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '27017' },
    host: { type: 'string', default: '127.0.0.1' },
    dbpath: { type: 'string' },
    memory: { type: 'boolean', default: false },
    journalCommitInterval: { type: 'string' },
    ttlMonitorInterval: { type: 'string' },
  },
})

const dbPath = values.memory ? undefined : (values.dbpath ?? './data/db')
const server = await startServer({
  port: Number(values.port),
  host: values.host,
  dbPath,
  journalCommitIntervalMs: values.journalCommitInterval ? Number(values.journalCommitInterval) : undefined,
  ttlMonitorIntervalMs: values.ttlMonitorInterval ? Number(values.ttlMonitorInterval) : undefined,
})
console.log(`mongo-embedded listening on ${server.uri} (dbpath ${dbPath ?? 'in-memory'})`)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  server.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
