import { Types } from 'mongoose'
import type { z } from 'zod'
import { errors } from '../../platform/errors.js'
import { findPage } from '../../platform/lists.js'
import type { InboxItemOutput, InboxQuery } from './inbox.contract.js'
import { InboxItemModel, type InboxItemDoc } from './inbox.model.js'
import { iso } from '../../platform/time.js'

const present = (d: InboxItemDoc): InboxItemOutput => ({
  id: d._id.toHexString(),
  title: d.title,
  summary: d.summary,
  content: { kind: d.content.kind, id: d.content.id.toHexString() },
  read: !!d.readAt,
  createdAt: iso(d.createdAt),
})

export class InboxService {
  async list(userId: string, q: z.output<typeof InboxQuery>) {
    const uid = new Types.ObjectId(userId)
    const filter = { userId: uid, ...(q.unread ? { readAt: null } : {}) }
    const [{ docs, ...page }, unread] = await Promise.all([
      findPage<InboxItemDoc>(InboxItemModel, filter, q, { createdAt: -1 }),
      this.unreadCount(userId),
    ])
    return { ...page, items: docs.map(present), unread }
  }

  async unreadCount(userId: string) {
    return InboxItemModel.countDocuments({ userId: new Types.ObjectId(userId), readAt: null })
  }

  /** Opening an item records the first read; only the owner can open it (others get 404). */
  open(userId: string, id: string) {
    return this.touch(userId, id, ['readAt'])
  }

  /** Following the item's link records a click, and a read if the link was followed straight from the list. */
  click(userId: string, id: string) {
    return this.touch(userId, id, ['readAt', 'clickedAt'])
  }

  /** Sets each timestamp only the first time, so reads and clicks count once. */
  private async touch(userId: string, id: string, fields: ('readAt' | 'clickedAt')[]) {
    const now = new Date()
    await Promise.all(
      fields.map((f) => InboxItemModel.updateOne({ _id: id, userId, [f]: null }, { $set: { [f]: now } })),
    )
    const d = await InboxItemModel.findOne({ _id: id, userId }).lean<InboxItemDoc>()
    if (!d) throw errors.notFound('消息')
    return present(d)
  }

  async markAllRead(userId: string) {
    const res = await InboxItemModel.updateMany(
      { userId: new Types.ObjectId(userId), readAt: null },
      { $set: { readAt: new Date() } },
    )
    return { updated: res.modifiedCount }
  }
}
