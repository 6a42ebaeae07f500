// What a thing on the map is (the layer kinds the Nexus rules select by), in words, and which
// rules a kind brings: a sketch's kind decides which rules are checked, so the planner picks
// it first and sees what it means before asking the what-if.

import type { Rule, Selector } from './api';
import { lang } from './i18n';
import { PROJECT_KINDS, type LayerKind } from './vocab.gen';

/** Every layer kind, in the order the planner reads them: facilities first. */
export const KIND_NAMES: Record<LayerKind, { en: string; th: string }> = {
  waste_site: { en: 'Waste site (landfill, transfer station)', th: 'สถานที่จัดการขยะ (หลุมฝังกลบ สถานีขนถ่าย)' },
  treatment_plant: { en: 'Wastewater treatment plant', th: 'โรงบำบัดน้ำเสีย' },
  biogas_plant: { en: 'Biogas plant', th: 'โรงผลิตก๊าซชีวภาพ' },
  energy_facility: { en: 'Energy facility', th: 'สถานที่ผลิตพลังงาน' },
  solar_farm: { en: 'Solar farm', th: 'โซลาร์ฟาร์ม' },
  green_infrastructure: { en: 'Green infrastructure (parks, riverside planting)', th: 'โครงสร้างพื้นฐานสีเขียว (สวน แนวต้นไม้ริมน้ำ)' },
  water_intake: { en: 'Drinking-water intake', th: 'จุดรับน้ำดิบเพื่อการประปา' },
  outfall: { en: 'Outfall (discharge point)', th: 'จุดระบายน้ำทิ้ง' },
  project_footprint: { en: 'Other works (any project area)', th: 'งานอื่น ๆ (พื้นที่โครงการทั่วไป)' },
  waterway: { en: 'Waterway (river, canal)', th: 'ทางน้ำ (แม่น้ำ คลอง)' },
  water_body: { en: 'Water body (lake, reservoir)', th: 'แหล่งน้ำ (ทะเลสาบ อ่างเก็บน้ำ)' },
  flood_zone: { en: 'Flood zone', th: 'พื้นที่น้ำท่วม' },
  farmland: { en: 'Farmland', th: 'พื้นที่เกษตรกรรม' },
  settlement: { en: 'Housing, settlement', th: 'ชุมชนที่อยู่อาศัย' },
  heritage_zone: { en: 'Heritage zone', th: 'เขตมรดกทางวัฒนธรรม' },
  airport: { en: 'Airport', th: 'สนามบิน' },
  road: { en: 'Road', th: 'ถนน' },
  land_use: { en: 'Land use', th: 'การใช้ที่ดิน' },
  boundary: { en: 'Administrative boundary', th: 'เขตการปกครอง' },
  land: { en: 'Land (base map)', th: 'แผ่นดิน (แผนที่ฐาน)' },
  place: { en: 'Place', th: 'สถานที่' },
  other: { en: 'Other', th: 'อื่น ๆ' },
};

export const KINDS = Object.keys(KIND_NAMES) as LayerKind[];

/** What a sketched project may be: a kind projects may have, or just works (the footprint). */
export const SKETCH_KINDS = KINDS.filter((k) => k === 'project_footprint' || (PROJECT_KINDS as readonly string[]).includes(k));

export function kindName(kind: string): string {
  const n = KIND_NAMES[kind as LayerKind] as { en: string; th: string } | undefined;
  return n ? n[lang()] : kind;
}

function matches(s: Selector, kinds: string[], sectors: string[]): boolean {
  return (!s.kinds?.length || s.kinds.some((k) => kinds.includes(k))) && (!s.sectors?.length || s.sectors.some((x) => sectors.includes(x)));
}

/**
 * The rules that apply to a project of this kind and sector, as the server decides them
 * (`Selector::matches`; every project also counts as a `project_footprint`).
 */
export function rulesFor(rules: Rule[], kind: string, sectors: string[]): Rule[] {
  const kinds = kind && kind !== 'project_footprint' ? ['project_footprint', kind] : ['project_footprint'];
  return rules.filter((r) => matches(r.from, kinds, sectors) || matches(r.to, kinds, sectors));
}
