//! Typing text fields by what they hold: formats without a date type (GeoJSON, CSV) carry
//! dates as text, and a field of nothing but dates is a date field.

use nexus_core::FieldType;

/// What the text values of a field have looked like so far: formats without a date type
/// (GeoJSON, CSV) carry dates as text, and a field of nothing but dates is a date field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looks {
    /// No value seen yet.
    Unseen,
    /// Every value is a calendar date (`2021-03-01`).
    Dates,
    /// Every value is an RFC 3339 date-time.
    DateTimes,
    /// Plain text (or not a text field at all).
    Text,
}

impl Looks {
    /// `ty` as these values make it: a text field of dates only is a date field.
    pub fn refine(self, ty: FieldType) -> FieldType {
        match (ty, self) {
            (FieldType::String, Looks::Dates) => FieldType::Date,
            (FieldType::String, Looks::DateTimes) => FieldType::DateTime,
            _ => ty,
        }
    }

    pub fn of(s: &str) -> Looks {
        let b = s.as_bytes();
        let shaped = b.len() >= 10
            && b[..10].iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
        // A real calendar day: `2021-02-30` or `0000-00-00` would make readers null the value.
        let date = shaped
            && s.get(..10).is_some_and(|d| {
                time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
            });
        if !date {
            Looks::Text
        } else if b.len() == 10 {
            Looks::Dates
        } else if (b[10] == b'T' || b[10] == b't')
            && time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
        {
            Looks::DateTimes
        } else {
            Looks::Text
        }
    }

    pub fn and(self, next: Looks) -> Looks {
        match (self, next) {
            (Looks::Unseen, n) => n,
            (a, b) if a == b => a,
            _ => Looks::Text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Looks;

    #[test]
    fn dates_are_recognised_only_when_every_value_is_one() {
        assert_eq!(Looks::of("2021-03-01"), Looks::Dates);
        assert_eq!(Looks::of("2021-03-01T10:00:00+07:00"), Looks::DateTimes);
        assert_eq!(Looks::of("2021-03-01 10:00"), Looks::Text);
        assert_eq!(Looks::of("21.01.04.1005"), Looks::Text);
        assert_eq!(Looks::of("2021-3-1"), Looks::Text);
        assert_eq!(Looks::of("2021-02-30"), Looks::Text);
        assert_eq!(Looks::of("0000-00-00"), Looks::Text);
        assert_eq!(Looks::Unseen.and(Looks::Dates).and(Looks::Dates), Looks::Dates);
        assert_eq!(Looks::Dates.and(Looks::DateTimes), Looks::Text);
        assert_eq!(Looks::Dates.and(Looks::Text).and(Looks::Dates), Looks::Text);
    }
}
