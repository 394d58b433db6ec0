import ExcelJS from 'exceljs'
import type { SettingsService } from '../settings/settings.service.js'
import type { YearStatsOutput } from './campaigns.contract.js'
import { CampaignModel, EnterpriseDeliveryModel } from './campaigns.model.js'

/** Yearly enterprise-deliveries against the bureau's target, for the dashboard and the assessment export. */
export class PushStats {
  constructor(private readonly settings: SettingsService) {}

  async year(year: number): Promise<YearStatsOutput> {
    const match = { $match: { year } }
    const [byMonth, byRegion, byIndustry, distinct, target] = await Promise.all([
      EnterpriseDeliveryModel.aggregate<{ _id: number; n: number }>([
        match,
        { $group: { _id: '$month', n: { $sum: 1 } } },
      ]),
      EnterpriseDeliveryModel.aggregate<{ _id: string | null; n: number }>([
        match,
        { $group: { _id: '$region', n: { $sum: 1 } } },
        { $sort: { n: -1 } },
      ]),
      EnterpriseDeliveryModel.aggregate<{ _id: string; n: number }>([
        match,
        { $unwind: { path: '$sections', preserveNullAndEmptyArrays: true } },
        { $group: { _id: { $ifNull: ['$sections', '未填写'] }, n: { $sum: 1 } } },
        { $sort: { n: -1 } },
      ]),
      EnterpriseDeliveryModel.aggregate<{ n: number }>([
        match,
        { $group: { _id: '$enterpriseId' } },
        { $count: 'n' },
      ]),
      this.settings.push().then((s) => s.yearTarget),
    ])
    const months = new Map(byMonth.map((m) => [m._id, m.n]))
    const delivered = byMonth.reduce((a, m) => a + m.n, 0)
    return {
      year,
      target,
      delivered,
      distinctEnterprises: distinct[0]?.n ?? 0,
      percent: Math.round((delivered / target) * 1000) / 10,
      byMonth: Array.from({ length: 12 }, (_, i) => ({ month: i + 1, delivered: months.get(i + 1) ?? 0 })),
      byRegion: byRegion.map((r) => ({ region: r._id ?? '未填写', delivered: r.n })),
      byIndustry: byIndustry.map((r) => ({ section: r._id, delivered: r.n })),
    }
  }

  /** The assessment workbook: summary, by month, by region, by industry, and every campaign of the year. */
  async exportYear(year: number): Promise<Buffer> {
    const s = await this.year(year)
    const wb = new ExcelJS.Workbook()
    wb.creator = '知产通'
    wb.created = new Date()
    const sheet = (
      name: string,
      columns: { header: string; key: string; width: number }[],
      rows: object[],
    ) => {
      const ws = wb.addWorksheet(name)
      ws.columns = columns
      ws.getRow(1).font = { bold: true }
      ws.addRows(rows)
      return ws
    }
    sheet(
      '汇总',
      [
        { header: '指标', key: 'k', width: 28 },
        { header: '数值', key: 'v', width: 16 },
      ],
      [
        { k: '年度', v: s.year },
        { k: '年度目标（企业·次）', v: s.target },
        { k: '已推送（企业·次）', v: s.delivered },
        { k: '覆盖企业数', v: s.distinctEnterprises },
        { k: '完成率（%）', v: s.percent },
      ],
    )
    sheet(
      '按月',
      [
        { header: '月份', key: 'month', width: 10 },
        { header: '推送（企业·次）', key: 'delivered', width: 18 },
      ],
      s.byMonth,
    )
    sheet(
      '按地区',
      [
        { header: '行政区划代码', key: 'region', width: 16 },
        { header: '推送（企业·次）', key: 'delivered', width: 18 },
      ],
      s.byRegion,
    )
    sheet(
      '按行业',
      [
        { header: '行业门类', key: 'section', width: 12 },
        { header: '推送（企业·次）', key: 'delivered', width: 18 },
      ],
      s.byIndustry,
    )
    const from = new Date(Date.UTC(year, 0, 1) - 8 * 3600_000)
    const to = new Date(Date.UTC(year + 1, 0, 1) - 8 * 3600_000)
    const campaigns = await CampaignModel.find(
      { startedAt: { $gte: from, $lt: to } },
      { name: 1, 'content.title': 1, startedAt: 1, plan: 1, status: 1 },
    )
      .sort({ startedAt: 1 })
      .lean<
        {
          name: string
          content: { title: string }
          startedAt: Date
          plan: { enterprises: number; members: number } | null
          status: string
        }[]
      >()
    sheet(
      '推送明细',
      [
        { header: '推送名称', key: 'name', width: 30 },
        { header: '内容标题', key: 'title', width: 40 },
        { header: '开始时间', key: 'at', width: 20 },
        { header: '企业数', key: 'enterprises', width: 10 },
        { header: '成员数', key: 'members', width: 10 },
        { header: '状态', key: 'status', width: 10 },
      ],
      campaigns.map((c) => ({
        name: c.name,
        title: c.content.title,
        at: c.startedAt,
        enterprises: c.plan?.enterprises ?? 0,
        members: c.plan?.members ?? 0,
        status: c.status,
      })),
    )
    return Buffer.from(await wb.xlsx.writeBuffer())
  }
}
