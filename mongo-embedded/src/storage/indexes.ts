/**
 * Secondary indexes kept fully in memory: a hash map from the canonical key string of the
 * indexed value(s) to document ids (equality lookups and unique enforcement) and a lazily
 * built sorted id list on the first field (sorted scans with a limit).
 */
import type { Document } from 'bson'
import { ErrorCodes, MongoServerError, notSupported } from '../errors.js'
import { compareValues, isPlainObject, keyOf, valuesAtPath } from '../query/compare.js'
import { compileFilter } from '../query/mingo.js'

/** Marks a condition that is not a plain equality (so it cannot prove a partial index holds the match). */
const NOT_PLAIN = Symbol('not a plain equality')

export interface IndexSpec extends Document {
  v: number
  key: Document
  name: string
  unique?: boolean
  sparse?: boolean
  partialFilterExpression?: Document
  expireAfterSeconds?: number
}

/** Options that make two same-key indexes different (mongod compares these). */
const SIGNIFICANT = [
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'collation',
] as const

function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${String(v)}`)
    .join('_')
}

export function normaliseSpec(raw: Document): IndexSpec {
  const key = raw.key as Document | undefined
  if (!key || typeof key !== 'object' || Object.keys(key).length === 0) {
    throw new MongoServerError(ErrorCodes.BadValue, 'Index key pattern must be a non-empty object')
  }
  for (const [k, v] of Object.entries(key)) {
    if (v === 'text' || v === '2dsphere' || v === '2d' || v === 'geoHaystack')
      throw notSupported(`${String(v)} index on '${k}'`)
    if (
      v !== 'hashed' &&
      !(typeof v === 'number' && v !== 0) &&
      typeof (v as { _bsontype?: string })._bsontype !== 'string'
    ) {
      throw new MongoServerError(ErrorCodes.BadValue, `Values in the index key pattern can't be ${String(v)}`)
    }
  }
  if (raw.collation && (raw.collation as Document).locale !== 'simple')
    throw notSupported('collation other than simple')
  const spec: IndexSpec = { v: 2, key, name: typeof raw.name === 'string' ? raw.name : defaultIndexName(key) }
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'key' || k === 'name' || k === 'v' || k === 'ns' || k === 'background') continue
    if (k === 'unique' || k === 'sparse') {
      if (v) spec[k] = true
    } else spec[k] = v
  }
  return spec
}

export function sameOptions(a: IndexSpec, b: IndexSpec): boolean {
  return SIGNIFICANT.every((k) => keyOf(a[k] ?? null) === keyOf(b[k] ?? null))
}

export const sameKey = (a: IndexSpec, b: IndexSpec) => keyOf(a.key) === keyOf(b.key)

const SEP = '\u0001'
const EMPTY: ReadonlySet<string> = new Set()

/** mongod's shell-like rendering used in duplicate key messages: `{ email: "x" }`. */
function renderValue(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return JSON.stringify(v)
  if (v instanceof Date) return `new Date(${v.getTime()})`
  if (Array.isArray(v)) return `[ ${v.map(renderValue).join(', ')} ]`
  const t = (v as { _bsontype?: string })._bsontype
  if (t === 'ObjectId') return `ObjectId('${String((v as { toHexString(): string }).toHexString())}')`
  if (t === 'Decimal128') return `${String(v)}`
  if (t === 'Binary')
    return `BinData(${(v as { sub_type: number }).sub_type}, ${(v as { toString(e: string): string }).toString('hex').toUpperCase()})`
  if (t) return String(v)
  if (typeof v === 'object') {
    const entries = Object.entries(v as Document).map(([k, x]) => `${k}: ${renderValue(x)}`)
    return entries.length ? `{ ${entries.join(', ')} }` : '{}'
  }
  return String(v)
}

export function duplicateKeyError(ns: string, spec: IndexSpec, values: unknown[]): MongoServerError {
  const fields = Object.keys(spec.key)
  const keyValue: Document = {}
  fields.forEach((f, i) => (keyValue[f] = values[i] ?? null))
  const rendered = fields.map((f, i) => `${f}: ${renderValue(values[i] ?? null)}`).join(', ')
  return new MongoServerError(
    ErrorCodes.DuplicateKey,
    `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: { ${rendered} }`,
    { keyPattern: spec.key, keyValue },
  )
}

interface DocKeys {
  full: Array<{ key: string; values: unknown[] }>
  first: string[]
}

export class Index {
  readonly paths: string[][]
  /** the key fields as written in the spec (`"a.b"`), what the planner matches on */
  readonly fields: string[]
  /** the first of them */
  readonly firstField: string
  readonly full = new Map<string, Set<string>>()
  /** first-field map; the same object as `full` for single-field indexes */
  readonly first: Map<string, Set<string>>
  private readonly partial: ((d: Document) => boolean) | null
  /** every document by the first field, then id: built on first use, kept in order by each write */
  private sorted: SortEntry[] | null = null
  /** for compound indexes: per first-field key, its documents by the second field, then id (same upkeep) */
  private readonly within = new Map<string, SortEntry[]>()
  multikey = false

  constructor(readonly spec: IndexSpec) {
    this.paths = Object.keys(spec.key).map((k) => k.split('.'))
    this.fields = Object.keys(spec.key)
    this.firstField = this.fields[0] as string
    this.first = this.paths.length === 1 ? this.full : new Map()
    this.partial = spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression) : null
  }

  get name(): string {
    return this.spec.name
  }
  /** Usable for answering arbitrary equality queries (every document is in it). */
  get complete(): boolean {
    return !this.spec.sparse && !this.partial
  }

  /**
   * Whether this index holds every document the query can match, as mongod decides it: complete indexes
   * always; a sparse one for non-null equality values; a partial one when the query repeats each plain
   * equality of its partialFilterExpression (e.g. `{ userId, live: true }` for `{ live: true }`).
   */
  serves(filter: Document, values: unknown[]): boolean {
    if (this.complete) return true
    if (this.spec.sparse && !this.partial) return values.every((v) => v !== null && v !== undefined)
    const pfe = this.spec.partialFilterExpression
    if (!pfe || (this.spec.sparse && values.some((v) => v === null || v === undefined))) return false
    return Object.entries(pfe).every(([field, cond]) => {
      if (field.startsWith('$')) return false
      const want = isPlainObject(cond)
        ? Object.keys(cond).length === 1 && '$eq' in cond
          ? cond.$eq
          : NOT_PLAIN
        : cond
      if (want === NOT_PLAIN || isPlainObject(want)) return false
      const got = filter[field]
      const have = isPlainObject(got)
        ? Object.keys(got).length === 1 && '$eq' in got
          ? got.$eq
          : NOT_PLAIN
        : got
      return have !== NOT_PLAIN && keyOf(have) === keyOf(want)
    })
  }

  /**
   * Ids under every combination of the given values, one list per key field in index order (an equality or
   * `$in` on each field): what `{ userId: { $in: batch }, campaignId }` reads from `{ userId: 1, campaignId: 1 }`.
   * A single combination returns the index's own set (read only).
   */
  lookupAll(perField: unknown[][]): ReadonlySet<string> {
    let keys = ['']
    perField.forEach((vals, i) => {
      const next: string[] = []
      for (const k of keys) for (const v of vals) next.push(i ? k + SEP + keyOf(v) : keyOf(v))
      keys = next
    })
    if (keys.length === 1) return this.full.get(keys[0]!) ?? EMPTY
    const union = new Set<string>()
    for (const k of keys) for (const id of this.full.get(k) ?? EMPTY) union.add(id)
    return union
  }

  keysFor(doc: Document): DocKeys | null {
    if (this.partial && !this.partial(doc)) return null
    const perField = this.paths.map((p) => {
      const vals = valuesAtPath(doc, p)
      if (vals.length > 1) this.multikey = true
      return vals
    })
    if (this.spec.sparse && perField.every((v) => v.length === 0)) return null
    let combos: unknown[][] = [[]]
    for (const vals of perField) {
      const options = vals.length ? vals : [null]
      const next: unknown[][] = []
      for (const c of combos) for (const v of options) next.push([...c, v])
      combos = next
    }
    const seen = new Set<string>()
    const full: DocKeys['full'] = []
    for (const values of combos) {
      const key = values.map(keyOf).join(SEP)
      if (!seen.has(key)) {
        seen.add(key)
        full.push({ key, values })
      }
    }
    const first = [...new Set((perField[0]?.length ? perField[0] : [null]).map(keyOf))]
    return { full, first }
  }

  /** Throws E11000 if `doc` would collide with another document (not `selfId`). */
  checkUnique(ns: string, doc: Document, selfId: string | null): void {
    if (!this.spec.unique) return
    const keys = this.keysFor(doc)
    if (!keys) return
    for (const { key, values } of keys.full) {
      const ids = this.full.get(key)
      if (!ids) continue
      for (const id of ids) if (id !== selfId) throw duplicateKeyError(ns, this.spec, values)
    }
  }

  add(id: string, doc: Document): void {
    const keys = this.keysFor(doc)
    if (!keys) return
    for (const { key } of keys.full) addTo(this.full, key, id)
    if (this.first !== this.full) for (const k of keys.first) addTo(this.first, k, id)
    if (this.sorted) insertSorted(this.sorted, { v: valueAt(doc, this.paths[0]!), id })
    if (this.within.size)
      for (const k of keys.first) {
        const group = this.within.get(k)
        if (group) insertSorted(group, { v: valueAt(doc, this.paths[1]!), id })
      }
  }

  remove(id: string, doc: Document): void {
    const keys = this.keysFor(doc)
    if (!keys) return
    for (const { key } of keys.full) removeFrom(this.full, key, id)
    if (this.first !== this.full) for (const k of keys.first) removeFrom(this.first, k, id)
    if (this.sorted) removeSorted(this.sorted, { v: valueAt(doc, this.paths[0]!), id })
    if (this.within.size)
      for (const k of keys.first) {
        const group = this.within.get(k)
        if (group) removeSorted(group, { v: valueAt(doc, this.paths[1]!), id })
      }
  }

  /**
   * Ids ordered by the first indexed field, then id (ascending). Sorted once on first use; each later write
   * moves one entry (a binary search and a splice), so a write does not cost a re-sort of the collection.
   */
  sortedIds(docs: Map<string, Document>): readonly SortEntry[] {
    if (this.sorted) return this.sorted
    const path = this.paths[0] as string[]
    const entries: SortEntry[] = []
    for (const [id, doc] of docs) entries.push({ v: valueAt(doc, path), id })
    entries.sort(compareEntries)
    this.sorted = entries
    return entries
  }

  /**
   * For a compound index: the ids whose first field equals the value keyed `firstKey` (keyOf), ordered by
   * the second field, then id — what `{ a: x }` sorted on `b` reads in order from `{ a: 1, b: 1 }`.
   */
  sortedWithin(firstKey: string, docs: Map<string, Document>): readonly SortEntry[] {
    let group = this.within.get(firstKey)
    if (group) return group
    const path = this.paths[1] as string[]
    group = []
    for (const id of this.first.get(firstKey) ?? []) {
      const doc = docs.get(id)
      if (doc) group.push({ v: valueAt(doc, path), id })
    }
    group.sort(compareEntries)
    this.within.set(firstKey, group)
    return group
  }
}

export interface SortEntry {
  v: unknown
  id: string
}

/** A document's sort value on an indexed path: its first value, missing as null. */
function valueAt(doc: Document, path: string[]): unknown {
  const v = valuesAtPath(doc, path)
  return v.length ? v[0] : null
}

/** By value, then id: ids of one kind (ObjectId hex, say) order as mongod orders `_id`. */
function compareEntries(a: SortEntry, b: SortEntry): number {
  return compareValues(a.v, b.v) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** The first position whose entry is not before `e`. */
function lowerBound(list: SortEntry[], e: SortEntry): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareEntries(list[mid]!, e) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

function insertSorted(list: SortEntry[], e: SortEntry): void {
  list.splice(lowerBound(list, e), 0, e)
}

function removeSorted(list: SortEntry[], e: SortEntry): void {
  const i = lowerBound(list, e)
  if (list[i]?.id === e.id) list.splice(i, 1)
  else {
    // the value was not where this document's value says (changed under us): find it by id
    const j = list.findIndex((x) => x.id === e.id)
    if (j >= 0) list.splice(j, 1)
  }
}

function addTo(m: Map<string, Set<string>>, k: string, id: string): void {
  let s = m.get(k)
  if (!s) m.set(k, (s = new Set()))
  s.add(id)
}

function removeFrom(m: Map<string, Set<string>>, k: string, id: string): void {
  const s = m.get(k)
  if (!s) return
  s.delete(id)
  if (s.size === 0) m.delete(k)
}
