import { Types } from 'mongoose'
import { errors } from '../../platform/errors.js'
import type { SubscriptionStateOutput } from './subscriptions.contract.js'
import { GrantModel, type GrantDoc } from './subscriptions.model.js'

/** WeChat keeps at most this many unused grants per template; more would only inflate our reach figures. */
const MAX_AVAILABLE = 50

export class SubscriptionService {
  constructor(private readonly knownTemplates: () => Promise<string[]>) {}

  async report(userId: string, results: Record<string, 'accept' | 'reject' | 'ban' | 'filter'>) {
    const known = new Set(await this.knownTemplates())
    const unknown = Object.keys(results).filter((t) => !known.has(t))
    if (unknown.length)
      throw errors.validation(
        unknown.map((t) => ({ path: `results.${t}`, message: '不是本小程序使用的订阅消息模板' })),
      )
    const accepted = Object.entries(results)
      .filter(([, r]) => r === 'accept')
      .map(([t]) => t)
    const uid = new Types.ObjectId(userId)
    for (const templateId of accepted) {
      const have = await GrantModel.countDocuments({ userId: uid, templateId, status: 'available' })
      if (have < MAX_AVAILABLE) await GrantModel.create({ userId: uid, templateId })
    }
    return this.state(userId)
  }

  async state(userId: string): Promise<SubscriptionStateOutput> {
    const rows = await GrantModel.aggregate<{ _id: string; n: number }>([
      { $match: { userId: new Types.ObjectId(userId), status: 'available' } },
      { $group: { _id: '$templateId', n: { $sum: 1 } } },
    ])
    return { available: Object.fromEntries(rows.map((r) => [r._id, r.n])) }
  }

  /** Users among `userIds` holding an unused grant for the template: reachable on WeChat now. */
  async reachable(userIds: Types.ObjectId[], templateId: string): Promise<Set<string>> {
    const out = new Set<string>()
    for (let i = 0; i < userIds.length; i += 5000) {
      const ids = await GrantModel.distinct('userId', {
        userId: { $in: userIds.slice(i, i + 5000) },
        templateId,
        status: 'available',
      })
      for (const id of ids) out.add(String(id))
    }
    return out
  }

  /**
   * One grant per delivery, for a whole batch: the grants deliveries reserved before a crash, plus newly
   * reserved ones (the oldest available grant of each user). Returns deliveryId → grant; deliveries
   * missing from it have no grant left.
   */
  async reserveMany(wanted: { deliveryId: Types.ObjectId; userId: Types.ObjectId }[], templateId: string) {
    const ids = wanted.map((w) => w.deliveryId)
    const held = await GrantModel.find({ deliveryId: { $in: ids } }, { _id: 1, deliveryId: 1 }).lean<
      GrantDoc[]
    >()
    const holding = new Set(held.map((g) => String(g.deliveryId)))
    const need = wanted.filter((w) => !holding.has(String(w.deliveryId)))
    if (need.length) {
      const available = await GrantModel.find(
        { userId: { $in: need.map((w) => w.userId) }, templateId, status: 'available' },
        { _id: 1, userId: 1 },
      )
        .sort({ _id: 1 })
        .lean<GrantDoc[]>()
      const oldest = new Map<string, Types.ObjectId>()
      for (const g of available) if (!oldest.has(String(g.userId))) oldest.set(String(g.userId), g._id)
      const ops = need.flatMap((w) => {
        const g = oldest.get(String(w.userId))
        // The status condition keeps a grant another campaign took meanwhile from being taken twice.
        return g
          ? [
              {
                updateOne: {
                  filter: { _id: g, status: 'available' },
                  update: { $set: { status: 'reserved' as const, deliveryId: w.deliveryId } },
                },
              },
            ]
          : []
      })
      if (ops.length) await GrantModel.bulkWrite(ops, { ordered: false })
    }
    const reserved = await GrantModel.find({ deliveryId: { $in: ids } }, { _id: 1, deliveryId: 1 }).lean<
      GrantDoc[]
    >()
    return new Map(reserved.map((g) => [String(g.deliveryId), g._id]))
  }

  /** Gives back the grants these deliveries still hold reserved: nothing was sent on them. */
  async releaseReserved(deliveryIds: Types.ObjectId[]) {
    if (!deliveryIds.length) return
    const held = await GrantModel.find(
      { deliveryId: { $in: deliveryIds }, status: 'reserved' },
      { _id: 1 },
    ).lean<GrantDoc[]>()
    await this.settleMany(held.map((g) => ({ grantId: g._id, to: 'available' as const })))
  }

  /** Settles grants after sends: consumed (sent), spent (43101), or back to available (never used). */
  async settleMany(outcomes: { grantId: Types.ObjectId; to: 'consumed' | 'spent' | 'available' }[]) {
    if (!outcomes.length) return
    const now = new Date()
    await GrantModel.bulkWrite(
      outcomes.map((o) => ({
        updateOne: {
          filter: { _id: o.grantId },
          update:
            o.to === 'available'
              ? { $set: { status: 'available' as const, deliveryId: null } }
              : { $set: { status: o.to, usedAt: now } },
        },
      })),
      { ordered: false },
    )
  }
}
