//! The vocabularies are defined once, in `nexus-core`; the database's CHECK constraints must
//! say the same words, or a value Rust accepts would be refused by PostgreSQL (or the reverse).

use std::collections::BTreeSet;

use nexus_core::{
    CommentStatus, Dimension, GeometryFamily, LayerKind, ProjectStatus, Role, Sector, Stance, Visibility,
};
use nexus_store::testing::TestDb;

use crate::util::raw;

/// The quoted words in the CHECK constraints on `table.column`.
async fn checked_words(client: &tokio_postgres::Client, table: &str, column: &str) -> BTreeSet<String> {
    let rows = client
        .query(
            "SELECT pg_get_constraintdef(c.oid)
             FROM pg_constraint c
             JOIN pg_class t ON t.oid = c.conrelid
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (c.conkey)
             WHERE t.relname = $1 AND a.attname = $2 AND c.contype = 'c' AND cardinality(c.conkey) = 1",
            &[&table, &column],
        )
        .await
        .unwrap();
    let mut words = BTreeSet::new();
    for r in rows {
        let def: String = r.get(0);
        for (i, part) in def.split('\'').enumerate() {
            if i % 2 == 1 {
                words.insert(part.to_owned());
            }
        }
    }
    words
}

fn words<T: AsRef<str>>(all: impl IntoIterator<Item = T>) -> BTreeSet<String> {
    all.into_iter().map(|w| w.as_ref().to_owned()).collect()
}

#[tokio::test]
async fn check_constraints_say_the_words_of_nexus_core() {
    let db = TestDb::new().await.unwrap();
    let client = raw(&db.url).await;
    let kinds = words(LayerKind::ALL.iter().map(|k| k.as_str()));
    let sectors = words(Sector::ALL.iter().map(|s| s.as_str()));
    let visibility = words(Visibility::ALL.iter().map(|v| v.as_str()));
    for (table, column, expected) in [
        ("layers", "kind", &kinds),
        ("layers", "sectors", &sectors),
        ("layers", "visibility", &visibility),
        ("layers", "geometry_type", &words(GeometryFamily::ALL.iter().map(|g| g.as_str()))),
        ("projects", "kind", &words(LayerKind::PROJECT_KINDS.iter().map(|k| k.as_str()))),
        ("projects", "sectors", &sectors),
        ("projects", "dimensions", &words(Dimension::ALL.iter().map(|d| d.as_str()))),
        ("projects", "status", &words(ProjectStatus::ALL.iter().map(|s| s.as_str()))),
        ("projects", "visibility", &visibility),
        ("memberships", "role", &words(Role::ALL.iter().map(|r| r.as_str()))),
        ("project_comments", "stance", &words(Stance::ALL.iter().map(|s| s.as_str()))),
        ("project_comments", "status", &words(CommentStatus::ALL.iter().map(|s| s.as_str()))),
    ] {
        let found = checked_words(&client, table, column).await;
        assert_eq!(&found, expected, "{table}.{column}: the CHECK constraint and nexus-core disagree");
    }
}
