import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import path from 'node:path'

/** Smallest byte sequences each type detector accepts, plus look-alikes that must be refused. */
export const samples = {
  pdf: (body = 'hello') =>
    Buffer.from(
      `%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${body}\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
    ),
  png: () =>
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
      Buffer.from('0000000049454e44ae426082', 'hex'),
    ]),
  jpeg: () =>
    Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
      Buffer.from('JFIF\0'),
      Buffer.alloc(64),
      Buffer.from([0xff, 0xd9]),
    ]),
  svg: () =>
    Buffer.from(
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
    ),
  html: () => Buffer.from('<!DOCTYPE html><html><body><script>fetch("/admin/v1/me")</script></body></html>'),
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

export interface Part {
  field?: string
  filename?: string
  contentType?: string
  data: Buffer | string
}

/** A multipart/form-data body built by hand, so tests control every byte (names, part count, framing). */
export function multipart(parts: Part[]) {
  const boundary = `----zct${Math.random().toString(16).slice(2)}`
  const chunks: Buffer[] = []
  for (const p of parts) {
    const disposition =
      p.filename === undefined
        ? `form-data; name="${p.field ?? 'file'}"`
        : `form-data; name="${p.field ?? 'file'}"; filename="${p.filename}"`
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.filename === undefined ? '' : `Content-Type: ${p.contentType ?? 'application/octet-stream'}\r\n`}\r\n`
    chunks.push(Buffer.from(head), Buffer.from(p.data), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Every regular file under `dir` (including the temp folder), relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}
