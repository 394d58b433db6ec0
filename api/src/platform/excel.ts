import { PassThrough, type Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import ExcelJS from 'exceljs'
import type { Logger } from './logger.js'
import { beijingDate } from './time.js'

/** Past this much written and not yet read by the client, the writer waits (a slow download holds no more). */
const BUFFER_BYTES = 4 * 1024 * 1024
/** How many rows are written between two looks at the buffer. */
const CHECK_EVERY = 500

export interface SheetSpec<T> {
  name: string
  /** Chinese headers, keys and widths (and number formats) */
  columns: Partial<ExcelJS.Column>[]
  /** a database cursor (closed when done or when the client hangs up), or any list */
  rows: AsyncIterable<T> | Iterable<T>
  row(item: T, index: number): Record<string, unknown>
}

/**
 * A workbook streamed while it is written, for the console's exports: each row is committed as it is added
 * and the rows are read from a cursor, so neither the records nor the workbook are ever held whole; header
 * rows in bold; the writer waits while the client is slow, and stops when it hangs up. A failure mid-way is
 * logged and ends the download (the client sees a broken file, never a truncated one taken for whole).
 */
export function streamWorkbook(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each sheet's own row type
  sheets: SheetSpec<any>[],
  opts: { log: Logger; what: string },
): Readable {
  const out = new PassThrough()
  const write = async () => {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useStyles: true,
      useSharedStrings: false,
    })
    wb.creator = '知产通'
    for (const sheet of sheets) {
      const ws = wb.addWorksheet(sheet.name)
      ws.columns = sheet.columns
      ws.getRow(1).font = { bold: true }
      ws.getRow(1).commit()
      const rows = sheet.rows as (AsyncIterable<unknown> | Iterable<unknown>) & {
        close?: () => Promise<unknown>
      }
      try {
        let i = 0
        for await (const item of rows) {
          if (out.destroyed) return // the client hung up
          ws.addRow(sheet.row(item, i++)).commit()
          if (i % CHECK_EVERY === 0)
            while (out.readableLength > BUFFER_BYTES && !out.destroyed) await sleep(10)
        }
      } finally {
        await rows.close?.()
      }
      ws.commit()
    }
    await wb.commit()
  }
  write().catch((err: unknown) => {
    opts.log.error({ err }, `${opts.what} export failed`)
    out.destroy(err instanceof Error ? err : new Error(String(err)))
  })
  return out
}

/**
 * What an imported cell holds, as a person typed it: formulas by their result, rich text as its text, dates
 * as the Beijing date; empty cells and errors as null.
 */
export function cellValue(v: ExcelJS.CellValue | undefined): string | number | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'number') return v
  if (typeof v === 'string') return v.trim() || null
  if (typeof v === 'boolean') return String(v)
  if (v instanceof Date) return beijingDate(v)
  if (typeof v === 'object') {
    if ('richText' in v)
      return (
        v.richText
          .map((r) => r.text)
          .join('')
          .trim() || null
      )
    if ('result' in v) return cellValue(v.result as ExcelJS.CellValue)
    if ('text' in v) return cellValue(v.text as ExcelJS.CellValue)
  }
  return null
}

/** The same, as text ('' when empty). */
export const cellText = (v: ExcelJS.CellValue | undefined): string => String(cellValue(v) ?? '')
