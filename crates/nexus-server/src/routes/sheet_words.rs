//! The printable sheet's words in English and Thai (the data stays in the language it was
//! written in; a project's Thai title is shown when the sheet is).

/// The sheet's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Thai.
    Th,
}

impl Lang {
    /// `?lang=th`, else the browser's first language.
    pub fn pick(asked: Option<&str>, accept: Option<&str>) -> Lang {
        let first = asked.or_else(|| accept.and_then(|a| a.split([',', ';']).next())).unwrap_or("en");
        if first.trim().to_ascii_lowercase().starts_with("th") {
            Lang::Th
        } else {
            Lang::En
        }
    }

    /// The `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Th => "th",
        }
    }

    /// The word for `key` (the key itself when there is none, as data words pass through).
    pub fn word(self, key: &str) -> String {
        let found = WORDS.iter().find(|(k, _, _)| *k == key);
        match (found, self) {
            (Some((_, en, _)), Lang::En) => (*en).to_owned(),
            (Some((_, _, th)), Lang::Th) => (*th).to_owned(),
            (None, _) => key.replace('_', " "),
        }
    }
}

const WORDS: &[(&str, &str, &str)] = &[
    ("project_sheet", "Project sheet", "เอกสารโครงการ"),
    ("city", "City", "เมือง"),
    ("status", "Status", "สถานะ"),
    ("sectors", "Sectors", "ภาคส่วน"),
    ("dimensions", "Nexus dimensions", "มิติของเน็กซัส"),
    ("budget", "Budget", "งบประมาณ"),
    ("dates", "Dates", "ช่วงเวลา"),
    ("partners", "Partners", "ภาคี"),
    ("profile", "Nexus profile", "โปรไฟล์เน็กซัส"),
    ("effect", "Effect", "ผล"),
    ("rule", "Rule", "กฎ"),
    ("with", "With", "กับ"),
    ("distance", "Distance", "ระยะ"),
    ("no_links", "No links found by the Nexus rules.", "ไม่พบความเชื่อมโยงตามกฎเน็กซัส"),
    ("more_links", "more links on the live page", "ความเชื่อมโยงเพิ่มเติมในหน้าออนไลน์"),
    ("chart", "Links by the other end's sector", "ความเชื่อมโยงตามภาคส่วนของอีกฝ่าย"),
    ("sources", "Sources", "แหล่งที่มา"),
    ("live", "Live page", "หน้าออนไลน์"),
    ("printed", "Printed", "พิมพ์เมื่อ"),
    ("approximate", "Position approximate, not survey data.", "ตำแหน่งโดยประมาณ ไม่ใช่ข้อมูลสำรวจ"),
    (
        "map_note",
        "The project (thick) and the atlas's layers around it; links dashed.",
        "โครงการ (เส้นหนา) และชั้นข้อมูลรอบ ๆ เส้นประคือความเชื่อมโยง",
    ),
    ("synergy", "Synergy", "การเสริมกัน"),
    ("conflict", "Conflict", "ความขัดแย้ง"),
    ("constraint", "Constraint", "ข้อจำกัด"),
    ("water", "Water", "น้ำ"),
    ("energy", "Energy", "พลังงาน"),
    ("food", "Food", "อาหาร"),
    ("waste", "Waste", "ขยะ"),
    ("land", "Land & heritage", "ที่ดินและมรดก"),
    ("idea", "Idea", "แนวคิด"),
    ("planned", "Planned", "วางแผนแล้ว"),
    ("under_construction", "Under construction", "กำลังก่อสร้าง"),
    ("completed", "Completed", "เสร็จสมบูรณ์"),
    ("governance", "Governance", "ธรรมาภิบาล"),
    ("inclusive_decision_making", "Inclusive decision-making", "การตัดสินใจแบบมีส่วนร่วม"),
    ("urban_planning", "Urban planning", "การวางผังเมือง"),
    ("finance_business", "Finance and business", "การเงินและธุรกิจ"),
    ("science_technology_innovation", "Science, technology and innovation", "วิทยาศาสตร์ เทคโนโลยีและนวัตกรรม"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_asked_or_the_browsers() {
        assert_eq!(Lang::pick(Some("th"), Some("en")), Lang::Th);
        assert_eq!(Lang::pick(None, Some("th-TH,th;q=0.9,en;q=0.8")), Lang::Th);
        assert_eq!(Lang::pick(None, None), Lang::En);
        assert_eq!(Lang::Th.word("water"), "น้ำ");
        assert_eq!(Lang::En.word("odd_word"), "odd word");
    }
}
