//! Helpers shared by the store tests.

use tokio_postgres::{Client, NoTls};

/// A plain connection, for looking at what the store wrote.
pub async fn raw(url: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

/// A description of the schema precise enough to notice any change: tables, columns,
/// constraints, indexes and applied migrations.
pub async fn schema_snapshot(client: &Client) -> Vec<String> {
    let rows = client
        .query(
            "SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                 || ' ' || coalesce(column_default, '')
               FROM information_schema.columns WHERE table_schema = 'public'
             UNION ALL
             SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
               FROM pg_constraint WHERE connamespace = 'public'::regnamespace
             UNION ALL
             SELECT 'idx ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
             UNION ALL
             SELECT 'mig ' || version || ' ' || name || ' ' || checksum FROM nexus_migrations
             ORDER BY 1",
            &[],
        )
        .await
        .expect("schema snapshot");
    rows.iter().map(|r| r.get(0)).collect()
}
