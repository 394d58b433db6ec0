import ExcelJS from 'exceljs'
import type { SettingsService } from '../settings/settings.service.js'
import { industryName } from '../taxonomy/industries.js'
import { regionName } from '../taxonomy/regions.js'
import { beijingDateTime, beijingStartOf } from '../../platform/time.js'
import { CAMPAIGN_STATUS_LABELS, type YearStatsOutput } from './campaigns.contract.js'
import { CampaignModel, EnterpriseDeliveryModel } from './campaigns.model.js'

/** `YYYY-MM-DD HH:mm` in Beijing time, as people read dates in a spreadsheet; empty when absent. */
const formatBeijing = (at: Date | null | undefined): string => (at ? beijingDateTime(at) : '')

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

  /** The headline figure alone (this year's enterprise-deliveries against the target), for the workbench. */
  async progress(year: number) {
    const [delivered, target] = await Promise.all([
      EnterpriseDeliveryModel.countDocuments({ year }),
      this.settings.push().then((s) => s.yearTarget),
    ])
    return { year, delivered, target, percent: Math.round((delivered / target) * 1000) / 10 }
  }

  /**
   * The assessment workbook: summary, by month, by region, by industry, and every campaign of the year.
   * Written for people: Beijing times, statuses in Chinese, region and industry names beside their codes.
   */
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
        { k: '导出时间（北京时间）', v: formatBeijing(new Date()) },
      ],
    )
    sheet(
      '按月',
      [
        { header: '月份', key: 'month', width: 10 },
        { header: '推送（企业·次）', key: 'delivered', width: 18 },
      ],
      s.byMonth.map((m) => ({ month: `${m.month}月`, delivered: m.delivered })),
    )
    // '未填写' is the stats' own bucket for deliveries without the dimension: a name, not a code.
    sheet(
      '按地区',
      [
        { header: '行政区划代码', key: 'code', width: 16 },
        { header: '地区名称', key: 'name', width: 30 },
        { header: '推送（企业·次）', key: 'delivered', width: 18 },
      ],
      s.byRegion.map((r) =>
        r.region === '未填写'
          ? { code: null, name: '未填写', delivered: r.delivered }
          : { code: r.region, name: regionName(r.region) ?? '未知地区', delivered: r.delivered },
      ),
    )
    sheet(
      '按行业',
      [
        { header: '行业门类', key: 'code', width: 12 },
        { header: '门类名称', key: 'name', width: 34 },
        { header: '推送（企业·次）', key: 'delivered', width: 18 },
      ],
      s.byIndustry.map((r) =>
        r.section === '未填写'
          ? { code: null, name: '未填写', delivered: r.delivered }
          : { code: r.section, name: industryName(r.section) ?? '未知门类', delivered: r.delivered },
      ),
    )
    const from = beijingStartOf(`${year}-01-01`)
    const to = beijingStartOf(`${year + 1}-01-01`)
    const campaigns = await CampaignModel.find(
      { startedAt: { $gte: from, $lt: to } },
      { name: 1, 'content.title': 1, startedAt: 1, finishedAt: 1, plan: 1, status: 1 },
    )
      .sort({ startedAt: 1 })
      .lean<
        {
          name: string
          content: { title: string }
          startedAt: Date
          finishedAt: Date | null
          plan: { enterprises: number; members: number } | null
          status: keyof typeof CAMPAIGN_STATUS_LABELS
        }[]
      >()
    sheet(
      '推送明细',
      [
        { header: '推送名称', key: 'name', width: 30 },
        { header: '内容标题', key: 'title', width: 40 },
        { header: '开始时间（北京时间）', key: 'at', width: 22 },
        { header: '结束时间（北京时间）', key: 'finishedAt', width: 22 },
        { header: '企业数', key: 'enterprises', width: 10 },
        { header: '成员数', key: 'members', width: 10 },
        { header: '状态', key: 'status', width: 10 },
      ],
      campaigns.map((c) => ({
        name: c.name,
        title: c.content.title,
        at: formatBeijing(c.startedAt),
        finishedAt: formatBeijing(c.finishedAt),
        enterprises: c.plan?.enterprises ?? 0,
        members: c.plan?.members ?? 0,
        status: CAMPAIGN_STATUS_LABELS[c.status] ?? c.status,
      })),
    )
    return Buffer.from(await wb.xlsx.writeBuffer())
  }
}
