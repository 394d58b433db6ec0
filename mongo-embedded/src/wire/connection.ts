import type { Document } from 'bson'
import type { Socket } from 'node:net'
import { ErrorCodes, MongoServerError } from '../errors.js'
import {
  encodeMsg,
  encodeReply,
  FLAG_MORE_TO_COME,
  HEADER_SIZE,
  MAX_MESSAGE_SIZE,
  OP_MSG,
  OP_QUERY,
  parseMsg,
  parseQuery,
  readHeader,
} from './protocol.js'

export type Dispatch = (body: Document) => Document

let nextResponseId = 1

/**
 * Frames messages off one socket and answers them in order. Anything that cannot be framed
 * (bad length, unknown opcode) closes this connection only; undecodable BSON gets an error
 * reply. Buffered input is capped by the 48 MB message limit.
 */
export function serveConnection(socket: Socket, dispatch: Dispatch): void {
  let chunks: Buffer[] = []
  let buffered = 0
  socket.setNoDelay(true)
  socket.on('error', () => socket.destroy())

  const invalidBson = (err: unknown) =>
    new MongoServerError(
      ErrorCodes.InvalidBSON,
      `invalid message: ${err instanceof Error ? err.message : String(err)}`,
    ).toReply()

  function handle(msg: Buffer): void {
    const h = readHeader(msg)
    const respond = (encode: typeof encodeMsg, reply: Document) => {
      let out: Buffer
      try {
        out = encode(nextResponseId++, h.requestId, reply)
      } catch (err) {
        out = encode(
          nextResponseId++,
          h.requestId,
          new MongoServerError(ErrorCodes.InternalError, `cannot encode reply: ${String(err)}`).toReply(),
        )
      }
      socket.write(out)
    }
    if (h.opCode === OP_MSG) {
      let req
      try {
        req = parseMsg(msg)
      } catch (err) {
        respond(encodeMsg, invalidBson(err))
        return
      }
      const reply = dispatch(req.body)
      if (!(req.flags & FLAG_MORE_TO_COME)) respond(encodeMsg, reply)
    } else if (h.opCode === OP_QUERY) {
      let reply: Document
      try {
        const q = parseQuery(msg)
        const cmd = (q.query.$query as Document | undefined) ?? q.query
        reply = q.collection.endsWith('.$cmd')
          ? dispatch({ ...cmd, $db: q.collection.slice(0, -5) })
          : new MongoServerError(
              ErrorCodes.CommandNotSupported,
              'OP_QUERY is only supported for commands',
            ).toReply()
      } catch (err) {
        reply = invalidBson(err)
      }
      respond(encodeReply, reply)
    } else {
      // OP_COMPRESSED (never negotiated), legacy opcodes, garbage: mongod drops the connection
      socket.destroy()
    }
  }

  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    buffered += chunk.length
    while (buffered >= 4 && !socket.destroyed) {
      let head = chunks[0] as Buffer
      if (head.length < 4) {
        head = Buffer.concat(chunks)
        chunks = [head]
      }
      const length = head.readInt32LE(0)
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        socket.destroy()
        return
      }
      if (buffered < length) return
      const all = chunks.length === 1 ? head : Buffer.concat(chunks)
      const msg = all.subarray(0, length)
      const rest = all.subarray(length)
      chunks = rest.length ? [rest] : []
      buffered = rest.length
      handle(msg)
    }
  })
}
