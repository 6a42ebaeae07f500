//! Least privilege: requests run as an application role that may read and write rows, and
//! nothing else — no schema change, no `TRUNCATE`, and on the audit trail only `INSERT` (it is
//! append-only for it). The schema's owner runs the migrations and every schema change, on
//! connections of its own. These grants are renewed by the owner at every start, so tables of
//! new migrations are covered, and default privileges cover the partitions ingests create.

use tokio_postgres::Client;

use crate::error::{StoreError, StoreResult};

/// An SQL identifier, quoted.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Grants `app` what requests need, run as the owner after the migrations.
///
/// # Errors
/// When the role does not exist or the owner may not grant.
pub(crate) async fn grant(owner: &Client, app: &str) -> StoreResult<()> {
    if app.is_empty() {
        return Err(StoreError::BadUrl("the application URL names no user".into()));
    }
    // One query is one transaction; the advisory lock makes servers starting together take
    // turns (concurrent GRANTs on one table fail with "tuple concurrently updated").
    let sql = format!(
        "SELECT pg_advisory_xact_lock(hashtext('nexus-grant-app'));
         GRANT USAGE ON SCHEMA public, nexus_history TO {a};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a};
         REVOKE UPDATE, DELETE, TRUNCATE ON audit, feature_edits FROM {a};
         GRANT SELECT ON ALL TABLES IN SCHEMA nexus_history TO {a};
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA nexus_history FROM {a};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {a};
         ALTER DEFAULT PRIVILEGES IN SCHEMA nexus_history GRANT SELECT ON TABLES TO {a};",
        a = ident(app)
    );
    owner.batch_execute(&sql).await.map_err(StoreError::query("grant_app_role"))
}

/// Makes the database's objects `owner`'s, whoever made them (a cluster from before there were
/// roles, a restore run as a superuser); objects of extensions stay theirs, and sequences of
/// columns follow their tables. Run by a superuser.
pub(crate) fn hand_over_sql(owner: &str) -> String {
    let o = ident(owner);
    format!(
        "DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
    WHERE c.relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname IN ('public', 'nexus_history'))
      AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND c.relowner <> '{o}'::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO {o}',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
      r.name);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '{o}'::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO {o}', r.fn);
  END LOOP;
  FOR r IN SELECT t.oid::regtype AS ty FROM pg_type t
    WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd') AND t.typowner <> '{o}'::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO {o}', r.ty);
  END LOOP;
  ALTER SCHEMA public OWNER TO {o};
  IF to_regnamespace('nexus_history') IS NOT NULL THEN
    ALTER SCHEMA nexus_history OWNER TO {o};
  END IF;
END $$"
    )
}
