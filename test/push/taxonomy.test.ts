import { describe, expect, it } from 'vitest'
import {
  ancestorsIndustry,
  ancestorsIpc,
  ancestorsRegion,
  IndustryCode,
  IpcCode,
  normaliseIpc,
  related,
} from '@zct/api/contracts/taxonomy/taxonomy'

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
