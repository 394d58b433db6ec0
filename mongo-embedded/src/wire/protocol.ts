/**
 * MongoDB wire framing: 16-byte header, OP_MSG (kind 0 body + kind 1 document sequences),
 * legacy OP_QUERY (only used by old-style handshakes) and OP_REPLY for answering it.
 */
import { BSON, type Document } from 'bson'

export const OP_REPLY = 1
export const OP_QUERY = 2004
export const OP_MSG = 2013

export const HEADER_SIZE = 16
export const MAX_MESSAGE_SIZE = 48_000_000
export const MAX_BSON_SIZE = 16 * 1024 * 1024

const FLAG_CHECKSUM = 1 << 0
export const FLAG_MORE_TO_COME = 1 << 1

/** Keep Long as Long so int64 survives a round-trip; int32/double become JS numbers. */
export const DESERIALIZE_OPTIONS = {
  promoteLongs: false,
  promoteValues: true,
  promoteBuffers: false,
} as const

export class ProtocolError extends Error {}

export interface Header {
  length: number
  requestId: number
  responseTo: number
  opCode: number
}

export function readHeader(buf: Buffer): Header {
  return {
    length: buf.readInt32LE(0),
    requestId: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  }
}

function readDoc(buf: Buffer, offset: number, end: number): [Document, number] {
  if (offset + 5 > end) throw new ProtocolError('truncated document')
  const size = buf.readInt32LE(offset)
  if (size < 5 || offset + size > end) throw new ProtocolError('invalid document length')
  return [BSON.deserialize(buf.subarray(offset, offset + size), DESERIALIZE_OPTIONS), offset + size]
}

function readCString(buf: Buffer, offset: number, end: number): [string, number] {
  const zero = buf.indexOf(0, offset)
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated cstring')
  return [buf.toString('utf8', offset, zero), zero + 1]
}

export interface MsgRequest {
  flags: number
  body: Document
}

/** Parses an OP_MSG; kind 1 sequences are folded into the body as arrays (mongod does the same). */
export function parseMsg(msg: Buffer): MsgRequest {
  const flags = msg.readUInt32LE(HEADER_SIZE)
  const end = msg.length - (flags & FLAG_CHECKSUM ? 4 : 0)
  let offset = HEADER_SIZE + 4
  let body: Document | undefined
  const sequences: Array<[string, Document[]]> = []
  while (offset < end) {
    const kind = msg[offset++]
    if (kind === 0) {
      if (body) throw new ProtocolError('multiple body sections')
      ;[body, offset] = readDoc(msg, offset, end)
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError('truncated section')
      const size = msg.readInt32LE(offset)
      const sectionEnd = offset + size
      if (size < 5 || sectionEnd > end) throw new ProtocolError('invalid section length')
      let id: string
      ;[id, offset] = readCString(msg, offset + 4, sectionEnd)
      const docs: Document[] = []
      while (offset < sectionEnd) {
        let d: Document
        ;[d, offset] = readDoc(msg, offset, sectionEnd)
        docs.push(d)
      }
      sequences.push([id, docs])
    } else {
      throw new ProtocolError(`unknown section kind ${String(kind)}`)
    }
  }
  if (!body) throw new ProtocolError('OP_MSG without body')
  for (const [id, docs] of sequences) body[id] = docs
  return { flags, body }
}

export interface QueryRequest {
  collection: string
  query: Document
}

export function parseQuery(msg: Buffer): QueryRequest {
  const [collection, afterName] = readCString(msg, HEADER_SIZE + 4, msg.length)
  const [query] = readDoc(msg, afterName + 8 /* numberToSkip, numberToReturn */, msg.length)
  return { collection, query }
}

let scratch = Buffer.allocUnsafeSlow(64 * 1024)

/**
 * Frames one reply: `prefix` bytes (header + opcode-specific fields) then the BSON body, in a
 * single Buffer. The body is serialised into a reusable scratch buffer right after the prefix
 * (bson copies into it) and the frame is copied out once; a body too large for the scratch
 * goes through `BSON.serialize` and the scratch grows for next time. An `undefined` value (a
 * missing field of a computed document) is left out, as mongod leaves out missing fields.
 */
function frame(
  prefixSize: number,
  opCode: number,
  requestId: number,
  responseTo: number,
  doc: Document,
): Buffer {
  let end: number
  try {
    end = BSON.serializeWithBufferAndIndex(doc, scratch, { index: prefixSize, ignoreUndefined: true }) + 1
  } catch (err) {
    // RangeError: the serialised body did not fit the scratch buffer (bson checks nothing itself)
    if (!(err instanceof RangeError)) throw err
    const body = BSON.serialize(doc, { ignoreUndefined: true })
    end = prefixSize + body.length
    scratch = Buffer.allocUnsafeSlow(Math.min(end * 2, MAX_BSON_SIZE + 1024 * 1024 + prefixSize))
    if (scratch.length < end) scratch = Buffer.allocUnsafeSlow(end)
    scratch.set(body, prefixSize)
  }
  const out = Buffer.allocUnsafe(end)
  scratch.copy(out, prefixSize, prefixSize, end)
  out.writeInt32LE(end, 0)
  out.writeInt32LE(requestId, 4)
  out.writeInt32LE(responseTo, 8)
  out.writeInt32LE(opCode, 12)
  return out
}

export function encodeMsg(requestId: number, responseTo: number, doc: Document): Buffer {
  const out = frame(HEADER_SIZE + 5, OP_MSG, requestId, responseTo, doc)
  out.writeInt32LE(0, HEADER_SIZE) // flagBits
  out[HEADER_SIZE + 4] = 0 // section kind 0
  return out
}

export function encodeReply(requestId: number, responseTo: number, doc: Document): Buffer {
  const out = frame(HEADER_SIZE + 20, OP_REPLY, requestId, responseTo, doc)
  out.writeInt32LE(0, HEADER_SIZE) // responseFlags
  out.writeBigInt64LE(0n, HEADER_SIZE + 4) // cursorID
  out.writeInt32LE(0, HEADER_SIZE + 12) // startingFrom
  out.writeInt32LE(1, HEADER_SIZE + 16) // numberReturned
  return out
}
