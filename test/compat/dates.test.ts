/**
 * Date operators in a time zone, across month, quarter and year boundaries: every monthly
 * statistic in Beijing time rests on these. Expectations are mongod's answers; the embedded server
 * may refuse a case with 115 but never answer differently (the last test checks it refused none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { embedded, openEnv, type CompatEnv } from './server.js'

let env: CompatEnv
const refused: string[] = []

/** Asserts mongod's answer, or a refusal with 115 (recorded), never a different answer. */
async function correctOr115(what: string, run: () => Promise<unknown>, expected: unknown): Promise<void> {
  let actual: unknown
  try {
    actual = await run()
  } catch (err) {
    if ((err as { code?: number }).code !== 115) throw err
    refused.push(what)
    return
  }
  expect(actual, what).toEqual(expected)
}

const d = (iso: string) => new Date(iso)
/** instants chosen on Beijing boundaries (UTC+8): the comment is the Beijing wall time */
const EVENTS = [
  { k: 'A', at: d('2025-01-31T17:00:00Z') }, // Sat 2025-02-01 01:00
  { k: 'B', at: d('2024-12-31T16:00:00Z') }, // Wed 2025-01-01 00:00
  { k: 'C', at: d('2024-12-31T15:59:59.999Z') }, // Tue 2024-12-31 23:59:59.999
  { k: 'D', at: d('2025-02-28T16:00:00Z') }, // Sat 2025-03-01 00:00
  { k: 'E', at: d('2024-02-29T15:30:00Z') }, // Thu 2024-02-29 23:30
  { k: 'F', at: d('2025-03-31T16:00:00Z') }, // Tue 2025-04-01 00:00
]

beforeAll(async () => {
  env = await openEnv('dates')
  await env.db.collection('events').insertMany(EVENTS.map((e) => ({ ...e })))
})
afterAll(() => env.close())

/** `{k: value}` of one expression over every event */
async function byKey(expr: unknown): Promise<Record<string, unknown>> {
  const rows = await env.db
    .collection('events')
    .aggregate([{ $project: { _id: 0, k: 1, v: expr } }])
    .toArray()
  return Object.fromEntries(rows.map((r) => [r.k, r.v]))
}

const trunc = (unit: string, extra: object = {}) => ({
  $dateTrunc: { date: '$at', unit, timezone: 'Asia/Shanghai', ...extra },
})

describe('$dateTrunc in a time zone', () => {
  it('truncates to the Beijing month, not the UTC one', async () => {
    await correctOr115('month', () => byKey(trunc('month')), {
      A: d('2025-01-31T16:00:00Z'),
      B: d('2024-12-31T16:00:00Z'),
      C: d('2024-11-30T16:00:00Z'),
      D: d('2025-02-28T16:00:00Z'),
      E: d('2024-01-31T16:00:00Z'),
      F: d('2025-03-31T16:00:00Z'),
    })
    await correctOr115(
      'month +08:00',
      () => byKey({ $dateTrunc: { date: '$at', unit: 'month', timezone: '+08:00' } }),
      {
        A: d('2025-01-31T16:00:00Z'),
        B: d('2024-12-31T16:00:00Z'),
        C: d('2024-11-30T16:00:00Z'),
        D: d('2025-02-28T16:00:00Z'),
        E: d('2024-01-31T16:00:00Z'),
        F: d('2025-03-31T16:00:00Z'),
      },
    )
    await correctOr115('month UTC', () => byKey({ $dateTrunc: { date: '$at', unit: 'month' } }), {
      A: d('2025-01-01T00:00:00Z'),
      B: d('2024-12-01T00:00:00Z'),
      C: d('2024-12-01T00:00:00Z'),
      D: d('2025-02-01T00:00:00Z'),
      E: d('2024-02-01T00:00:00Z'),
      F: d('2025-03-01T00:00:00Z'),
    })
  })

  it('truncates to the Beijing quarter and year across the new year', async () => {
    await correctOr115('quarter', () => byKey(trunc('quarter')), {
      A: d('2024-12-31T16:00:00Z'),
      B: d('2024-12-31T16:00:00Z'),
      C: d('2024-09-30T16:00:00Z'),
      D: d('2024-12-31T16:00:00Z'),
      E: d('2023-12-31T16:00:00Z'),
      F: d('2025-03-31T16:00:00Z'),
    })
    await correctOr115('year', () => byKey(trunc('year')), {
      A: d('2024-12-31T16:00:00Z'),
      B: d('2024-12-31T16:00:00Z'),
      C: d('2023-12-31T16:00:00Z'),
      D: d('2024-12-31T16:00:00Z'),
      E: d('2023-12-31T16:00:00Z'),
      F: d('2024-12-31T16:00:00Z'),
    })
    await correctOr115('two-month bins', () => byKey(trunc('month', { binSize: 2 })), {
      A: d('2024-12-31T16:00:00Z'),
      B: d('2024-12-31T16:00:00Z'),
      C: d('2024-10-31T16:00:00Z'),
      D: d('2025-02-28T16:00:00Z'),
      E: d('2023-12-31T16:00:00Z'),
      F: d('2025-02-28T16:00:00Z'),
    })
  })

  it('truncates to the Beijing day and to weeks starting on Monday', async () => {
    await correctOr115('day', () => byKey(trunc('day')), {
      A: d('2025-01-31T16:00:00Z'),
      B: d('2024-12-31T16:00:00Z'),
      C: d('2024-12-30T16:00:00Z'),
      D: d('2025-02-28T16:00:00Z'),
      E: d('2024-02-28T16:00:00Z'),
      F: d('2025-03-31T16:00:00Z'),
    })
    await correctOr115('week from Monday', () => byKey(trunc('week', { startOfWeek: 'monday' })), {
      A: d('2025-01-26T16:00:00Z'),
      B: d('2024-12-29T16:00:00Z'),
      C: d('2024-12-29T16:00:00Z'),
      D: d('2025-02-23T16:00:00Z'),
      E: d('2024-02-25T16:00:00Z'),
      F: d('2025-03-30T16:00:00Z'),
    })
  })

  it('counts events per Beijing month with $group on $dateTrunc', async () => {
    await correctOr115(
      'group by month',
      () =>
        env.db
          .collection('events')
          .aggregate([{ $group: { _id: trunc('month'), n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
          .toArray(),
      [
        { _id: d('2024-01-31T16:00:00Z'), n: 1 },
        { _id: d('2024-11-30T16:00:00Z'), n: 1 },
        { _id: d('2024-12-31T16:00:00Z'), n: 1 },
        { _id: d('2025-01-31T16:00:00Z'), n: 1 },
        { _id: d('2025-02-28T16:00:00Z'), n: 1 },
        { _id: d('2025-03-31T16:00:00Z'), n: 1 },
      ],
    )
  })
})

describe('$dateToString in a time zone', () => {
  it('formats Beijing wall time', async () => {
    await correctOr115(
      'full format',
      () =>
        byKey({ $dateToString: { date: '$at', format: '%Y-%m-%d %H:%M:%S.%L', timezone: 'Asia/Shanghai' } }),
      {
        A: '2025-02-01 01:00:00.000',
        B: '2025-01-01 00:00:00.000',
        C: '2024-12-31 23:59:59.999',
        D: '2025-03-01 00:00:00.000',
        E: '2024-02-29 23:30:00.000',
        F: '2025-04-01 00:00:00.000',
      },
    )
    await correctOr115(
      'month key',
      () => byKey({ $dateToString: { date: '$at', format: '%Y-%m', timezone: '+08' } }),
      {
        A: '2025-02',
        B: '2025-01',
        C: '2024-12',
        D: '2025-03',
        E: '2024-02',
        F: '2025-04',
      },
    )
  })

  it('drops the Z of the default format only outside UTC', async () => {
    const one = async (expr: object) =>
      (
        await env.db
          .collection('events')
          .aggregate([{ $match: { k: 'A' } }, { $project: { _id: 0, v: expr } }])
          .toArray()
      )[0]?.v
    await correctOr115(
      'default format, Beijing',
      () => one({ $dateToString: { date: '$at', timezone: 'Asia/Shanghai' } }),
      '2025-02-01T01:00:00.000',
    )
    await correctOr115(
      'default format, UTC',
      () => one({ $dateToString: { date: '$at' } }),
      '2025-01-31T17:00:00.000Z',
    )
    await correctOr115(
      'onNull',
      () => one({ $dateToString: { date: '$nothing', onNull: '未填写' } }),
      '未填写',
    )
  })

  it('numbers days and weeks of the Beijing calendar year', async () => {
    const fmt = {
      $dateToString: { date: '$at', format: '%j %U %V %G %u %w %z %Z', timezone: 'Asia/Shanghai' },
    }
    const all = () => byKey(fmt).then((r) => ({ B: r.B, C: r.C }))
    await correctOr115('week numbers', all, {
      B: '001 00 01 2025 3 4 +0800 480',
      C: '366 52 01 2025 2 3 +0800 480',
    })
  })

  it('groups by Beijing month string across the year boundary', async () => {
    await correctOr115(
      'group by month string',
      () =>
        env.db
          .collection('events')
          .aggregate([
            {
              $group: {
                _id: { $dateToString: { date: '$at', format: '%Y-%m', timezone: 'Asia/Shanghai' } },
                n: { $sum: 1 },
              },
            },
            { $sort: { _id: 1 } },
          ])
          .toArray(),
      [
        { _id: '2024-02', n: 1 },
        { _id: '2024-12', n: 1 },
        { _id: '2025-01', n: 1 },
        { _id: '2025-02', n: 1 },
        { _id: '2025-03', n: 1 },
        { _id: '2025-04', n: 1 },
      ],
    )
  })
})

describe('other date operators in a time zone', () => {
  it('extracts Beijing calendar fields and parts', async () => {
    await correctOr115(
      'fields of A',
      async () =>
        (
          await env.db
            .collection('events')
            .aggregate([
              { $match: { k: 'A' } },
              {
                $project: {
                  _id: 0,
                  y: { $year: { date: '$at', timezone: 'Asia/Shanghai' } },
                  m: { $month: { date: '$at', timezone: 'Asia/Shanghai' } },
                  day: { $dayOfMonth: { date: '$at', timezone: 'Asia/Shanghai' } },
                  h: { $hour: { date: '$at', timezone: 'Asia/Shanghai' } },
                  dow: { $dayOfWeek: { date: '$at', timezone: 'Asia/Shanghai' } },
                  parts: { $dateToParts: { date: '$at', timezone: 'Asia/Shanghai' } },
                },
              },
            ])
            .toArray()
        )[0],
      {
        y: 2025,
        m: 2,
        day: 1,
        h: 1,
        dow: 7,
        parts: { year: 2025, month: 2, day: 1, hour: 1, minute: 0, second: 0, millisecond: 0 },
      },
    )
  })

  it('adds and counts calendar months in Beijing time', async () => {
    await correctOr115(
      'dateAdd / dateDiff / dateFromParts',
      async () =>
        (
          await env.db
            .collection('events')
            .aggregate([
              { $match: { k: 'C' } },
              {
                $project: {
                  _id: 0,
                  // 2025-01-31 00:00 Beijing + 1 month: there is no 31 February, so the last day
                  endOfFeb: {
                    $dateAdd: {
                      startDate: d('2025-01-30T16:00:00Z'),
                      unit: 'month',
                      amount: 1,
                      timezone: 'Asia/Shanghai',
                    },
                  },
                  utcClamp: { $dateAdd: { startDate: d('2020-10-31T12:10:05Z'), unit: 'month', amount: 1 } },
                  monthsBeijing: {
                    $dateDiff: {
                      startDate: '$at',
                      endDate: d('2024-12-31T16:00:00Z'),
                      unit: 'month',
                      timezone: 'Asia/Shanghai',
                    },
                  },
                  monthsUtc: {
                    $dateDiff: { startDate: '$at', endDate: d('2024-12-31T16:00:00Z'), unit: 'month' },
                  },
                  firstOfFeb: { $dateFromParts: { year: 2025, month: 2, day: 1, timezone: 'Asia/Shanghai' } },
                },
              },
            ])
            .toArray()
        )[0],
      {
        endOfFeb: d('2025-02-27T16:00:00Z'),
        utcClamp: d('2020-11-30T12:10:05Z'),
        monthsBeijing: 1,
        monthsUtc: 0,
        firstOfFeb: d('2025-01-31T16:00:00Z'),
      },
    )
  })

  it('rejects an unknown time zone with 40485', async () => {
    await expect(byKey(trunc('month', { timezone: 'Asia/Beijing' }))).rejects.toMatchObject({ code: 40485 })
    await expect(
      byKey({ $dateToString: { date: '$at', format: '%Y', timezone: 'Asia/Beijing' } }),
    ).rejects.toMatchObject({ code: 40485 })
  })
})

describe.skipIf(!embedded)('embedded date support', () => {
  it('answered every case above instead of refusing it', () => {
    expect(refused).toEqual([])
  })

  it('refuses a local time that a daylight-saving change skips rather than guess', async () => {
    // 2024-03-10 02:30 does not exist in New York
    await expect(
      byKey({
        $dateFromParts: { year: 2024, month: 3, day: 10, hour: 2, minute: 30, timezone: 'America/New_York' },
      }),
    ).rejects.toMatchObject({ code: 115 })
  })
})
