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
      throw errors.validation(unknown.map((t) => ({ path: `results.${t}`, message: '不是本小程序使用的订阅消息模板' })))
    const accepted = Object.entries(results).filter(([, r]) => r === 'accept').map(([t]) => t)
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
      const ids = await GrantModel.distinct('userId', { userId: { $in: userIds.slice(i, i + 5000) }, templateId, status: 'available' })
      for (const id of ids) out.add(String(id))
    }
    return out
  }

  /**
   * The grant this delivery holds: the one it reserved before a crash, or a newly reserved one.
   * Undefined when the user has none left.
   */
  async reserve(userId: Types.ObjectId, templateId: string, deliveryId: Types.ObjectId): Promise<GrantDoc | undefined> {
    const held = await GrantModel.findOne({ deliveryId }).lean<GrantDoc>()
    if (held) return held
    const g = await GrantModel.findOneAndUpdate(
      { userId, templateId, status: 'available' },
      { $set: { status: 'reserved', deliveryId } },
      { sort: { _id: 1 }, new: true },
    ).lean<GrantDoc>()
    return g ?? undefined
  }

  async settle(grantId: Types.ObjectId, status: 'consumed' | 'spent') {
    await GrantModel.updateOne({ _id: grantId }, { $set: { status, usedAt: new Date() } })
  }

  /** A transient failure returns the grant: it was not used. */
  async release(grantId: Types.ObjectId) {
    await GrantModel.updateOne({ _id: grantId, status: 'reserved' }, { $set: { status: 'available', deliveryId: null } })
  }
}
