/** Display names for the code systems of targeting and statistics; a code missing here shows as itself. */

/** GB/T 4754-2017 门类 (section letters). */
export const INDUSTRY_SECTIONS: Record<string, string> = {
  A: '农、林、牧、渔业',
  B: '采矿业',
  C: '制造业',
  D: '电力、热力、燃气及水生产和供应业',
  E: '建筑业',
  F: '批发和零售业',
  G: '交通运输、仓储和邮政业',
  H: '住宿和餐饮业',
  I: '信息传输、软件和信息技术服务业',
  J: '金融业',
  K: '房地产业',
  L: '租赁和商务服务业',
  M: '科学研究和技术服务业',
  N: '水利、环境和公共设施管理业',
  O: '居民服务、修理和其他服务业',
  P: '教育',
  Q: '卫生和社会工作',
  R: '文化、体育和娱乐业',
  S: '公共管理、社会保障和社会组织',
  T: '国际组织',
}

/** GB/T 2260 codes the bureau works with most (Guangdong, its cities, Shaoguan's districts). */
export const REGIONS: Record<string, string> = {
  '440000': '广东省',
  '440100': '广州市',
  '440106': '广州市天河区',
  '440200': '韶关市',
  '440203': '韶关市武江区',
  '440204': '韶关市浈江区',
  '440205': '韶关市曲江区',
  '440222': '始兴县',
  '440224': '仁化县',
  '440229': '翁源县',
  '440232': '乳源瑶族自治县',
  '440233': '新丰县',
  '440281': '乐昌市',
  '440282': '南雄市',
  '440300': '深圳市',
  '440400': '珠海市',
  '440600': '佛山市',
  '441900': '东莞市',
  '442000': '中山市',
}

export const regionLabel = (code: string) => (REGIONS[code] ? `${REGIONS[code]}（${code}）` : code)
export const industryLabel = (code: string) =>
  INDUSTRY_SECTIONS[code] ? `${code} ${INDUSTRY_SECTIONS[code]}` : code
