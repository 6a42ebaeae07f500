// The feature editor's words, in English and Thai (apart from i18n.ts, which holds the rest
// of the page's: the editor loads with the drawing library, for editors only).

import { lang } from './i18n';

const en = {
  edit: 'Edit feature',
  addFeature: 'Add a feature',
  editFeature: 'Feature',
  newFeature: 'New feature',
  save: 'Save',
  cancel: 'Cancel',
  delete: 'Delete',
  dragHint: 'drag the feature or its points on the map; a point between two adds one',
  partsHint: 'this feature has several parts: its shape is edited in a GIS (QGIS); its attributes here',
  drawHint: 'click the map to draw it; double-click to finish',
  drawn: 'Drawn: fill in its attributes and save.',
  drawFirst: 'Draw the feature on the map first.',
  badValue: 'A value is not valid',
  saving: 'Saving…',
  confirmDelete: 'Delete this feature? Its history keeps it.',
  conflict: 'Someone else saved this feature while you were editing it. Nothing of yours was saved.',
  theirVersion: 'Their version (differences marked):',
  takeTheirs: 'Take their version',
  saveMine: 'Save mine over it',
};

type Key = keyof typeof en;

const th: Record<Key, string> = {
  edit: 'แก้ไขข้อมูล',
  addFeature: 'เพิ่มข้อมูล',
  editFeature: 'ข้อมูล',
  newFeature: 'ข้อมูลใหม่',
  save: 'บันทึก',
  cancel: 'ยกเลิก',
  delete: 'ลบ',
  dragHint: 'ลากรูปหรือจุดของรูปบนแผนที่ จุดกึ่งกลางระหว่างสองจุดใช้เพิ่มจุด',
  partsHint: 'ข้อมูลนี้มีหลายส่วน แก้รูปร่างในโปรแกรม GIS (QGIS) ได้ แก้คุณลักษณะได้ที่นี่',
  drawHint: 'คลิกบนแผนที่เพื่อวาด ดับเบิลคลิกเพื่อจบ',
  drawn: 'วาดแล้ว กรอกคุณลักษณะแล้วบันทึก',
  drawFirst: 'วาดข้อมูลบนแผนที่ก่อน',
  badValue: 'มีค่าที่ไม่ถูกต้อง',
  saving: 'กำลังบันทึก…',
  confirmDelete: 'ลบข้อมูลนี้หรือไม่ ประวัติยังเก็บไว้',
  conflict: 'มีผู้อื่นบันทึกข้อมูลนี้ระหว่างที่คุณแก้ไข ข้อมูลของคุณยังไม่ถูกบันทึก',
  theirVersion: 'ฉบับของผู้อื่น (ทำเครื่องหมายส่วนที่ต่าง):',
  takeTheirs: 'ใช้ฉบับของผู้อื่น',
  saveMine: 'บันทึกของฉันทับ',
};

export function text(key: Key): string {
  return (lang() === 'th' ? th : en)[key];
}
