import { describe, expect, it } from 'vitest'
import { contentDisposition } from '@zct/api/internal/modules/files/files.routes'
import { displayName } from '@zct/api/internal/modules/files/files.service'

describe('display names', () => {
  it('drops directories, whatever the separator', () => {
    expect(displayName('../../etc/passwd.pdf', 'application/pdf')).toBe('passwd.pdf')
    expect(displayName('C:\\Users\\张三\\证书.PDF', 'application/pdf')).toBe('证书.PDF')
  })

  it('makes the extension match the detected type', () => {
    expect(displayName('invoice.html', 'application/pdf')).toBe('invoice.html.pdf')
    expect(displayName('photo.jpeg', 'image/jpeg')).toBe('photo.jpeg')
    expect(displayName('photo', 'image/png')).toBe('photo.png')
  })

  it('falls back to a neutral name when nothing printable is left', () => {
    expect(displayName('', 'application/pdf')).toBe('文件.pdf')
    expect(displayName(undefined, 'image/png')).toBe('文件.png')
    expect(displayName('...', 'application/pdf')).toBe('文件.pdf')
    expect(displayName('.pdf', 'application/pdf')).toBe('pdf.pdf')
    expect(displayName('\u0000\u202e', 'image/jpeg')).toBe('文件.jpg')
  })

  it('removes control, bidi and header-breaking characters', () => {
    expect(displayName('a\r\nb\t"c".pdf', 'application/pdf')).toBe('ab_c_.pdf')
    expect(displayName('\u202Efdp.exe', 'application/pdf')).toBe('fdp.exe.pdf')
  })

  it('caps the name at 200 characters, keeping the extension', () => {
    const name = displayName(`${'专'.repeat(500)}.pdf`, 'application/pdf')
    expect([...name]).toHaveLength(200)
    expect(name.endsWith('专.pdf')).toBe(true)
  })
})

describe('Content-Disposition', () => {
  it('carries the exact UTF-8 name and an ASCII fallback', () => {
    expect(contentDisposition('专利 (1).pdf')).toBe(
      `attachment; filename="__ (1).pdf"; filename*=UTF-8''%E4%B8%93%E5%88%A9%20%281%29.pdf`,
    )
  })
})
