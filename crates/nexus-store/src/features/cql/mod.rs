//! CQL2 filters (OGC API - Features Part 3) as SQL: an expression parsed by the `cql2` crate
//! becomes one `WHERE` condition whose every value is a bound parameter, so no text of the
//! filter is ever read as SQL. Properties are the collection's queryables; comparisons take
//! the property's type (numbers as numbers, dates as instants); spatial operators test the
//! stored geometry against a literal in the filter's coordinate system (`S_DWITHIN` in metres,
//! on the spheroid); temporal operators treat an instant as an interval of one moment.

mod translate;

pub(crate) use translate::{Binds, Columns, Translator};
