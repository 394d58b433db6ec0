/**
 * BSON-aware comparison in MongoDB's canonical type order. mingo compares numbers only
 * when they are JS numbers and orders class instances by their string form, which is wrong
 * for Long/Decimal128, so every comparison the server does goes through here.
 */
import type { Document } from 'bson'

type Bsonish = { _bsontype?: string } & Record<string, unknown>

const bsonType = (v: unknown): string | undefined =>
  v !== null && typeof v === 'object' ? (v as Bsonish)._bsontype : undefined

/** Canonical sort rank of a value's type (mongod "BSON type comparison order"). */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 2
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 3
    case 'string':
      return 4
    case 'boolean':
      return 9
  }
  if (v instanceof Date) return 10
  if (v instanceof RegExp) return 12
  if (Array.isArray(v)) return 6
  switch (bsonType(v)) {
    case 'MinKey':
      return 1
    case 'MaxKey':
      return 13
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return 3
    case 'BSONSymbol':
      return 4
    case 'Binary':
      return 7
    case 'ObjectId':
      return 8
    case 'Timestamp':
      return 11
    case 'BSONRegExp':
      return 12
    case undefined:
      return ArrayBuffer.isView(v) ? 7 : 5
    default:
      return 5
  }
}

/** Numeric value of any BSON number (Long/Decimal128 lose precision beyond 2^53, acceptable here). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  const t = bsonType(v)
  if (t === 'Long') return (v as unknown as { toNumber(): number }).toNumber()
  if (t === 'Int32' || t === 'Double') return (v as unknown as { value: number }).value
  if (t === 'Decimal128') return Number(String(v))
  return NaN
}

function compareNumbers(a: number, b: number): number {
  // mongod orders NaN below every other number
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1
  if (Number.isNaN(b)) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d) return d < 0 ? -1 : 1
  }
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0
}

export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a)
  const rb = typeRank(b)
  if (ra !== rb) return ra < rb ? -1 : 1
  switch (ra) {
    case 1:
    case 2:
    case 13:
      return 0
    case 3:
      return compareNumbers(toNumber(a), toNumber(b))
    case 4: {
      const sa = String(a)
      const sb = String(b)
      return sa < sb ? -1 : sa > sb ? 1 : 0
    }
    case 5:
      return compareDocs(a as Document, b as Document)
    case 6: {
      const xa = a as unknown[]
      const xb = b as unknown[]
      const n = Math.min(xa.length, xb.length)
      for (let i = 0; i < n; i++) {
        const c = compareValues(xa[i], xb[i])
        if (c) return c
      }
      return compareNumbers(xa.length, xb.length)
    }
    case 7: {
      const ba = binBytes(a)
      const bb = binBytes(b)
      if (ba.length !== bb.length) return ba.length < bb.length ? -1 : 1
      const sa = (a as { sub_type?: number }).sub_type ?? 0
      const sb = (b as { sub_type?: number }).sub_type ?? 0
      if (sa !== sb) return sa < sb ? -1 : 1
      return compareBytes(ba, bb)
    }
    case 8:
      return compareBytes((a as { id: Uint8Array }).id, (b as { id: Uint8Array }).id)
    case 9:
      return a === b ? 0 : a ? 1 : -1
    case 10:
      return compareNumbers((a as Date).getTime(), (b as Date).getTime())
    case 11: {
      const ta = a as { compare(o: unknown): number }
      return ta.compare(b)
    }
    default: {
      const sa = String(a)
      const sb = String(b)
      return sa < sb ? -1 : sa > sb ? 1 : 0
    }
  }
}

function binBytes(v: unknown): Uint8Array {
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  const b = v as { buffer: Uint8Array; position: number }
  return b.buffer.subarray(0, b.position)
}

function compareDocs(a: Document, b: Document): number {
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  const n = Math.min(ka.length, kb.length)
  for (let i = 0; i < n; i++) {
    const fa = ka[i] as string
    const fb = kb[i] as string
    const r = typeRank(a[fa]) - typeRank(b[fb])
    if (r) return r < 0 ? -1 : 1
    if (fa !== fb) return fa < fb ? -1 : 1
    const c = compareValues(a[fa], b[fb])
    if (c) return c
  }
  return compareNumbers(ka.length, kb.length)
}

export const valuesEqual = (a: unknown, b: unknown): boolean => compareValues(a, b) === 0

/**
 * Canonical string for a value such that equal values (per mongod: 1 == 1.0 == Long(1))
 * produce equal keys. Used for `_id` lookup and index maps.
 */
export function keyOf(v: unknown): string {
  if (v === undefined || v === null) return 'z'
  switch (typeof v) {
    case 'string':
      return 's' + v
    case 'number':
      return 'n' + (Object.is(v, -0) ? 0 : v)
    case 'boolean':
      return v ? 'b1' : 'b0'
    case 'bigint':
      return 'n' + Number(v)
  }
  if (v instanceof Date) return 'd' + v.getTime()
  if (v instanceof RegExp) return 'r' + String(v)
  if (Array.isArray(v)) return '[' + v.map(keyOf).join(',') + ']'
  switch (bsonType(v)) {
    case 'ObjectId':
      return 'o' + (v as unknown as { toHexString(): string }).toHexString()
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return 'n' + toNumber(v)
    case 'Binary':
      return 'B' + ((v as { sub_type?: number }).sub_type ?? 0) + Buffer.from(binBytes(v)).toString('base64')
    case 'MinKey':
      return 'm'
    case 'MaxKey':
      return 'M'
    case undefined: {
      if (ArrayBuffer.isView(v)) return 'B0' + Buffer.from(binBytes(v)).toString('base64')
      const d = v as Document
      return (
        '{' +
        Object.keys(d)
          .map((k) => JSON.stringify(k) + ':' + keyOf(d[k]))
          .join(',') +
        '}'
      )
    }
    default:
      return 'x' + String(v)
  }
}

/**
 * All values reachable at a dotted path, descending through arrays like mongod does for
 * index keys and sort keys. Arrays at the leaf are expanded into their elements;
 * `missing` is reported via an empty result.
 */
export function valuesAtPath(doc: unknown, path: string[], i = 0, out: unknown[] = []): unknown[] {
  if (i === path.length) {
    if (Array.isArray(doc)) {
      if (doc.length === 0) out.push(undefined)
      else for (const e of doc) out.push(e)
    } else out.push(doc)
    return out
  }
  if (doc === null || typeof doc !== 'object') return out
  const seg = path[i] as string
  if (Array.isArray(doc)) {
    if (/^\d+$/.test(seg) && Number(seg) < doc.length) valuesAtPath(doc[Number(seg)], path, i + 1, out)
    for (const e of doc)
      if (e !== null && typeof e === 'object' && !Array.isArray(e)) valuesAtPath(e, path, i, out)
    return out
  }
  if (bsonType(doc) !== undefined) return out
  const next = (doc as Document)[seg]
  if (next === undefined) return out
  return valuesAtPath(next, path, i + 1, out)
}

export function isPlainObject(v: unknown): v is Document {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date || v instanceof RegExp)
    return false
  if (ArrayBuffer.isView(v)) return false
  return (v as Bsonish)._bsontype === undefined
}

/** Deep copy of plain objects/arrays; BSON value classes are immutable and shared. */
export function cloneDoc<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneDoc) as T
  if (isPlainObject(v)) {
    const out: Document = {}
    for (const k of Object.keys(v)) out[k] = cloneDoc(v[k])
    return out as T
  }
  if (v instanceof Date) return new Date(v.getTime()) as T
  return v
}
