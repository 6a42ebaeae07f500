// Interface text in English and Thai. Data (titles, rationale) stays in the language it was
// written in; projects show their local-language title beside the English one.

const en = {
  city: 'City',
  allCities: 'All partner cities',
  searchPlaceholder: 'Search places and projects…',
  share: 'Share',
  copied: 'Link copied',
  planner: 'Planner',
  layers: 'Layers',
  nexus: 'Nexus',
  links: 'Links (synergies, conflicts, constraints)',
  intensity: 'Nexus intensity',
  legend: 'Legend',
  projects: 'Projects',
  sector: 'Sector',
  status: 'Status',
  dimension: 'Dimension',
  any: 'Any',
  citySummary: 'City Nexus',
  chooseCity: 'Choose a city to see its Nexus summary.',
  matrixTitle: 'Where sectors meet: links between sectors',
  projectsChart: 'Projects by sector and status',
  synergy: 'Synergy',
  conflict: 'Conflict',
  constraint: 'Constraint',
  water: 'Water',
  energy: 'Energy',
  food: 'Food',
  waste: 'Waste',
  land: 'Land & heritage',
  other: 'Other',
  idea: 'Idea',
  planned: 'Planned',
  under_construction: 'Under construction',
  completed: 'Completed',
  governance: 'Governance',
  inclusive_decision_making: 'Inclusive decision-making',
  urban_planning: 'Urban planning',
  finance_business: 'Finance & business',
  science_technology_innovation: 'Science, technology & innovation',
  budget: 'Budget',
  dates: 'Dates',
  partners: 'Partners',
  source: 'Source',
  licence: 'Licence',
  revision: 'Revision',
  updated: 'Updated',
  features: 'Features',
  download: 'Download',
  close: 'Close',
  info: 'About this layer',
  approximate: 'Position approximate; see the source.',
  nexusProfile: 'Nexus profile',
  touches: 'On the ground it meets',
  noLinks: 'No Nexus links.',
  distance: 'distance',
  rule: 'Rule',
  loading: 'Loading…',
  cities: 'cities',
  cells: 'cells',
  sectorsInCell: 'sectors in a cell',
  token: 'Planner token',
  signIn: 'Use token',
  upload: 'Upload a layer',
  layerId: 'Layer id',
  layerTitle: 'Title',
  kind: 'Kind',
  file: 'File',
  send: 'Upload',
  sketch: 'Sketch a project',
  point: 'Point',
  line: 'Line',
  area: 'Area',
  finish: 'Finish',
  clear: 'Clear',
  evaluate: 'What would it link to?',
  save: 'Save draft',
  publish: 'Publish',
  title: 'Title',
  titleLocal: 'Local title',
  slug: 'Slug',
  saved: 'Saved',
  clickMap: 'Click the map to add points.',
  whatIf: 'What-if',
  tokenNeeded: 'Enter the planner token first.',
  draft: 'Draft',
  geojson: 'GeoJSON',
  filtered: 'filtered projects',
  edit: 'Edit',
  editing: 'Editing',
};

export type Key = keyof typeof en;

const th: Record<Key, string> = {
  city: 'เมือง',
  allCities: 'เมืองพันธมิตรทั้งหมด',
  searchPlaceholder: 'ค้นหาสถานที่และโครงการ…',
  share: 'แชร์',
  copied: 'คัดลอกลิงก์แล้ว',
  planner: 'นักวางแผน',
  layers: 'ชั้นข้อมูล',
  nexus: 'เน็กซัส',
  links: 'ความเชื่อมโยง (เสริมกัน ขัดแย้ง ข้อจำกัด)',
  intensity: 'ความเข้มของเน็กซัส',
  legend: 'คำอธิบายสัญลักษณ์',
  projects: 'โครงการ',
  sector: 'ภาคส่วน',
  status: 'สถานะ',
  dimension: 'มิติ',
  any: 'ทั้งหมด',
  citySummary: 'เน็กซัสของเมือง',
  chooseCity: 'เลือกเมืองเพื่อดูสรุปเน็กซัส',
  matrixTitle: 'จุดที่ภาคส่วนมาบรรจบกัน: ความเชื่อมโยงระหว่างภาคส่วน',
  projectsChart: 'โครงการตามภาคส่วนและสถานะ',
  synergy: 'เสริมกัน',
  conflict: 'ขัดแย้ง',
  constraint: 'ข้อจำกัด',
  water: 'น้ำ',
  energy: 'พลังงาน',
  food: 'อาหาร',
  waste: 'ของเสีย',
  land: 'ที่ดินและมรดก',
  other: 'อื่น ๆ',
  idea: 'แนวคิด',
  planned: 'วางแผนแล้ว',
  under_construction: 'กำลังก่อสร้าง',
  completed: 'แล้วเสร็จ',
  governance: 'ธรรมาภิบาล',
  inclusive_decision_making: 'การตัดสินใจแบบมีส่วนร่วม',
  urban_planning: 'การวางผังเมือง',
  finance_business: 'การเงินและธุรกิจ',
  science_technology_innovation: 'วิทยาศาสตร์ เทคโนโลยี และนวัตกรรม',
  budget: 'งบประมาณ',
  dates: 'ช่วงเวลา',
  partners: 'ภาคี',
  source: 'แหล่งที่มา',
  licence: 'สัญญาอนุญาต',
  revision: 'ฉบับที่',
  updated: 'ปรับปรุง',
  features: 'จำนวนวัตถุ',
  download: 'ดาวน์โหลด',
  close: 'ปิด',
  info: 'เกี่ยวกับชั้นข้อมูลนี้',
  approximate: 'ตำแหน่งโดยประมาณ ดูแหล่งที่มา',
  nexusProfile: 'โปรไฟล์เน็กซัส',
  touches: 'บนพื้นที่จริงเชื่อมกับ',
  noLinks: 'ไม่มีความเชื่อมโยง',
  distance: 'ระยะทาง',
  rule: 'กฎ',
  loading: 'กำลังโหลด…',
  cities: 'เมือง',
  cells: 'ช่อง',
  sectorsInCell: 'ภาคส่วนในช่องเดียว',
  token: 'รหัสนักวางแผน',
  signIn: 'ใช้รหัส',
  upload: 'อัปโหลดชั้นข้อมูล',
  layerId: 'รหัสชั้นข้อมูล',
  layerTitle: 'ชื่อ',
  kind: 'ประเภท',
  file: 'ไฟล์',
  send: 'อัปโหลด',
  sketch: 'ร่างโครงการ',
  point: 'จุด',
  line: 'เส้น',
  area: 'พื้นที่',
  finish: 'เสร็จ',
  clear: 'ล้าง',
  evaluate: 'จะเชื่อมโยงกับอะไรบ้าง?',
  save: 'บันทึกร่าง',
  publish: 'เผยแพร่',
  title: 'ชื่อ',
  titleLocal: 'ชื่อภาษาท้องถิ่น',
  slug: 'รหัส',
  saved: 'บันทึกแล้ว',
  clickMap: 'คลิกบนแผนที่เพื่อเพิ่มจุด',
  whatIf: 'จะเกิดอะไรถ้า',
  tokenNeeded: 'กรุณาใส่รหัสนักวางแผนก่อน',
  draft: 'ร่าง',
  geojson: 'GeoJSON',
  filtered: 'โครงการที่กรองแล้ว',
  edit: 'แก้ไข',
  editing: 'กำลังแก้ไข',
};

const dictionaries = { en, th } as const;
export type Lang = keyof typeof dictionaries;

let current: Lang = 'en';

export function lang(): Lang {
  return current;
}

export function t(key: Key | string): string {
  const d = dictionaries[current] as Record<string, string>;
  return d[key] ?? (en as Record<string, string>)[key] ?? key;
}

/** Switches the language and rewrites every element marked with `data-i18n`. */
export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n ?? '');
  }
  for (const el of document.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder ?? '');
  }
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === l));
  }
}

export function isLang(v: string | undefined): v is Lang {
  return v === 'en' || v === 'th';
}
