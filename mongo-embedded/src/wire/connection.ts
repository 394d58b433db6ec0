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
} from './protocol.js'

/** A reply, or a promise of one for a write that waits for the journal before it is acknowledged. */
export type Dispatch = (body: Document) => Document | Promise<Document>

type Send = (encoder: typeof encodeMsg, responseTo: number, reply: Document | Promise<Document>) => void

let nextResponseId = 1

function invalidBson(err: unknown): Document {
  return new MongoServerError(
    ErrorCodes.InvalidBSON,
    `invalid message: ${err instanceof Error ? err.message : String(err)}`,
  ).toReply()
}

function encode(encoder: typeof encodeMsg, responseTo: number, reply: Document): Buffer {
  try {
    return encoder(nextResponseId++, responseTo, reply)
  } catch (err) {
    return encoder(
      nextResponseId++,
      responseTo,
      new MongoServerError(ErrorCodes.InternalError, `cannot encode reply: ${String(err)}`).toReply(),
    )
  }
}

/** Answers one framed message (or destroys the socket for an unknown opcode). */
function handle(socket: Socket, dispatch: Dispatch, send: Send, msg: Buffer): void {
  const requestId = msg.readInt32LE(4)
  const opCode = msg.readInt32LE(12)
  if (opCode === OP_MSG) {
    let req
    try {
      req = parseMsg(msg)
    } catch (err) {
      send(encodeMsg, requestId, invalidBson(err))
      return
    }
    const reply = dispatch(req.body)
    if (!(req.flags & FLAG_MORE_TO_COME)) send(encodeMsg, requestId, reply)
  } else if (opCode === OP_QUERY) {
    let reply: Document | Promise<Document>
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
    send(encodeReply, requestId, reply)
  } else {
    // OP_COMPRESSED (never negotiated), legacy opcodes, garbage: mongod drops the connection
    socket.destroy()
  }
}

/**
 * Frames messages off one socket and answers them in order. Anything that cannot be framed
 * (bad length, unknown opcode) closes this connection only; undecodable BSON gets an error
 * reply. Buffered input is capped by the 48 MB message limit.
 *
 * Hot path: a chunk holding exactly one message (the usual request/response case) is handled
 * without copying; when one chunk carries several messages their replies are corked into a
 * single write. A reply that waits for the journal holds back the replies after it on this
 * connection, so replies always leave in request order.
 */
export function serveConnection(socket: Socket, dispatch: Dispatch): void {
  let chunks: Buffer[] = []
  let buffered = 0
  socket.setNoDelay(true)
  socket.on('error', () => socket.destroy())

  let waiting: Promise<void> | null = null
  const send: Send = (encoder, responseTo, reply) => {
    if (!waiting && !(reply instanceof Promise)) {
      socket.write(encode(encoder, responseTo, reply))
      return
    }
    const mine: Promise<void> = (waiting ?? Promise.resolve())
      .then(() => reply)
      .then((r) => {
        if (!socket.destroyed) socket.write(encode(encoder, responseTo, r))
      })
      .catch(() => {
        socket.destroy()
      })
      .finally(() => {
        if (waiting === mine) waiting = null
      })
    waiting = mine
  }

  socket.on('data', (chunk: Buffer) => {
    if (buffered === 0 && chunk.length >= 4 && !socket.destroyed) {
      const length = chunk.readInt32LE(0)
      if (length === chunk.length && length >= HEADER_SIZE && length <= MAX_MESSAGE_SIZE) {
        handle(socket, dispatch, send, chunk)
        return
      }
    }
    chunks.push(chunk)
    buffered += chunk.length
    let corked = false
    while (buffered >= 4 && !socket.destroyed) {
      let head = chunks[0] as Buffer
      if (head.length < 4) {
        head = Buffer.concat(chunks)
        chunks = [head]
      }
      const length = head.readInt32LE(0)
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        socket.destroy()
        break
      }
      if (buffered < length) break
      const all = chunks.length === 1 ? head : Buffer.concat(chunks)
      const msg = all.subarray(0, length)
      const rest = all.subarray(length)
      chunks = rest.length ? [rest] : []
      buffered = rest.length
      if (!corked && buffered >= HEADER_SIZE) {
        socket.cork()
        corked = true
      }
      handle(socket, dispatch, send, msg)
    }
    if (corked) socket.uncork()
  })
}
