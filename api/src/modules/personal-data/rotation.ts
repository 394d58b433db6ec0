import type { Model } from 'mongoose'
import type { PersonalDataCipher } from '../../platform/crypto.js'
import { MpUserModel } from '../mp-accounts/mp-accounts.model.js'
import { AdminUserModel } from '../staff/staff.model.js'

/** Every field holding sealed personal data. A new sealed field is added here, or rotation misses it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- heterogeneous models
const SEALED: { model: Model<any>; fields: string[] }[] = [
  { model: MpUserModel, fields: ['sessionKeyEnc', 'phoneEnc'] },
  { model: AdminUserModel, fields: ['phoneEnc'] },
]

/**
 * Re-encrypts every sealed value still under a retired key with the current one, in batches, so the
 * retired key can then be dropped from DATA_KEYS_OLD. Safe to run repeatedly and alongside the api.
 */
export async function rewrapPersonalData(cipher: PersonalDataCipher, batchSize = 500) {
  const counts: Record<string, number> = {}
  for (const { model, fields } of SEALED) {
    let rewrapped = 0
    const cursor = model
      .find(
        { $or: fields.map((f) => ({ [f]: { $type: 'string' } })) },
        Object.fromEntries(fields.map((f) => [f, 1])),
      )
      .lean()
      .cursor({ batchSize })
    let ops: object[] = []
    for await (const doc of cursor as AsyncIterable<Record<string, unknown>>) {
      const set: Record<string, string> = {}
      for (const f of fields) {
        const v = doc[f]
        if (typeof v === 'string' && cipher.needsRewrap(v)) set[f] = cipher.rewrap(v)
      }
      if (!Object.keys(set).length) continue
      // Only if unchanged meanwhile: a concurrent write already used the current key.
      const filter = { _id: doc._id, ...Object.fromEntries(Object.keys(set).map((f) => [f, doc[f]])) }
      ops.push({ updateOne: { filter, update: { $set: set } } })
      if (ops.length >= batchSize) {
        rewrapped += (await model.bulkWrite(ops as never, { ordered: false })).modifiedCount
        ops = []
      }
    }
    if (ops.length) rewrapped += (await model.bulkWrite(ops as never, { ordered: false })).modifiedCount
    counts[model.collection.collectionName] = rewrapped
  }
  return counts
}
