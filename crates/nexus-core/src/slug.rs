//! Project slugs made from titles, for saves that do not bring one (a sketch on the map).
//!
//! A planner types a title in any script; the slug must be readable, valid and short enough
//! that the numbered variants tried when it is taken still fit.

use crate::ids::{CitySlug, ProjectSlug};

/// Longest slug made from a title, leaving room for a `-NNN` suffix within the 48 allowed.
const BASE_LEN: usize = 44;

impl ProjectSlug {
    /// A readable slug for a project of `city` called `title`: the city, then the title's
    /// words transliterated to lower-case ASCII (Thai, Vietnamese, Indonesian, Mongolian
    /// Cyrillic… all read as Latin letters), cut at a word boundary.
    pub fn from_title(city: &CitySlug, title: &str) -> ProjectSlug {
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        for c in any_ascii::any_ascii(title).chars() {
            if c.is_ascii_alphanumeric() {
                word.push(c.to_ascii_lowercase());
            } else if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        if words.is_empty() {
            words.push("project".to_owned());
        }
        let mut out = city.as_str().to_owned();
        for w in words {
            let room = BASE_LEN.saturating_sub(out.len() + 1);
            if room == 0 {
                break;
            }
            if w.len() > room {
                // One long word (Thai is written without spaces) is cut rather than dropped,
                // unless a shorter slug already says enough.
                if out.len() == city.as_str().len() {
                    out.push('-');
                    out.push_str(&w[..room]);
                }
                break;
            }
            out.push('-');
            out.push_str(&w);
        }
        valid(out.trim_end_matches('-'))
    }

    /// The `n`th variant of a slug that is taken (`…-2`, `…-3`); the first is the slug itself.
    pub fn variant(&self, n: u32) -> ProjectSlug {
        if n <= 1 {
            return self.clone();
        }
        let suffix = format!("-{n}");
        let keep = self.as_str().len().min(48 - suffix.len());
        valid(&format!("{}{suffix}", self.as_str()[..keep].trim_end_matches('-')))
    }
}

/// Text built above from a city slug, ASCII letters, digits and single dashes, at most 48
/// long: always a valid slug.
#[allow(clippy::expect_used)]
fn valid(text: &str) -> ProjectSlug {
    ProjectSlug::new(text).expect("made of a city slug and ASCII words")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city(s: &str) -> CitySlug {
        CitySlug::new(s).unwrap()
    }

    #[test]
    fn an_ordinary_title_fits_and_reads() {
        let s = ProjectSlug::from_title(&city("chiang-mai"), "New transfer station near Mae Kha");
        assert_eq!(s.as_str(), "chiang-mai-new-transfer-station-near-mae-kha");
        let long = ProjectSlug::from_title(
            &city("chiang-mai"),
            "Rehabilitation of the Mae Kha canal between Chang Phueak and the Ping river confluence",
        );
        assert!(long.as_str().len() <= BASE_LEN, "{long}");
        assert!(long.as_str().starts_with("chiang-mai-rehabilitation-of-the-mae-kha"), "{long}");
    }

    #[test]
    fn any_script_gives_latin_letters() {
        let thai = ProjectSlug::from_title(&city("chiang-mai"), &"โครงการฟื้นฟูคลองแม่ข่า ".repeat(5));
        // Letter by letter (Thai has no spaces between words): Latin all the same.
        assert!(thai.as_str().starts_with("chiang-mai-") && thai.as_str().contains("khlong"), "{thai}");
        assert!(thai.as_str().len() <= BASE_LEN);
        let vi = ProjectSlug::from_title(&city("da-nang"), "Nhà máy xử lý nước thải Hòa Xuân");
        assert_eq!(vi.as_str(), "da-nang-nha-may-xu-ly-nuoc-thai-hoa-xuan");
        let mn = ProjectSlug::from_title(&city("ulaanbaatar"), "Хог хаягдлын төв");
        assert!(mn.as_str().starts_with("ulaanbaatar-khog"), "{mn}");
    }

    #[test]
    fn a_title_with_no_letters_still_gives_a_slug() {
        assert_eq!(ProjectSlug::from_title(&city("naga"), "!!! ???").as_str(), "naga-project");
        assert_eq!(ProjectSlug::from_title(&city("naga"), "").as_str(), "naga-project");
    }

    #[test]
    fn variants_stay_valid_and_short() {
        let s = ProjectSlug::from_title(&city("chiang-mai"), &"word ".repeat(40));
        assert_eq!(s.variant(1), s);
        for n in [2, 10, 999, 100_000] {
            let v = s.variant(n);
            assert!(v.as_str().len() <= 48 && v.as_str().ends_with(&format!("-{n}")), "{v}");
        }
    }
}
