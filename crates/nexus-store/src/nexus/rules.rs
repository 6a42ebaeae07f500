//! The Nexus rules as data: replaced as a whole, read back and checked as strictly as what
//! comes through the API.

use nexus_core::{Rule, RuleSet};

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

impl Store {
    /// Replaces the rule set (rules and grid settings) when it differs from the stored one.
    /// Returns whether it changed; the overlays follow at the next refresh.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a rule breaks the rules for rules; nothing is written then.
    pub async fn replace_rules(&self, set: &RuleSet) -> StoreResult<bool> {
        self.replace_rules_audited(set, None).await
    }

    /// [`Store::replace_rules`], with `audit` appended in the same transaction (also when the
    /// rules were already these: the request is recorded either way).
    ///
    /// # Errors
    /// As [`Store::replace_rules`].
    pub async fn replace_rules_audited(&self, set: &RuleSet, audit: Option<&crate::AuditEntry>) -> StoreResult<bool> {
        set.validate().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let same = self.rule_set().await? == *set;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("rules_begin"))?;
        if let Some(a) = audit {
            let mut row = a.clone();
            row.summary = format!("{} rules ({})", set.rules.len(), if same { "unchanged" } else { "changed" });
            crate::accounts::append_on(&tx, &row).await?;
        }
        if same {
            tx.commit().await.map_err(StoreError::query("rules_commit"))?;
            return Ok(false);
        }
        tx.batch_execute("DELETE FROM nexus_rules").await.map_err(StoreError::query("rules_clear"))?;
        for (i, rule) in set.rules.iter().enumerate() {
            let body = serde_json::to_value(rule).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let position = i32::try_from(i).map_err(|e| StoreError::Invalid(e.to_string()))?;
            tx.execute(
                "INSERT INTO nexus_rules (position, id, body) VALUES ($1, $2, $3)",
                &[&position, &rule.id, &body],
            )
            .await
            .map_err(StoreError::query("rules_insert"))?;
        }
        let grid = serde_json::to_value(&set.grid).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sources = serde_json::to_value(&set.sources).map_err(|e| StoreError::Invalid(e.to_string()))?;
        tx.execute(
            "INSERT INTO nexus_settings (key, value) VALUES ('grid', $1), ('sources', $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&grid, &sources],
        )
        .await
        .map_err(StoreError::query("rules_grid"))?;
        tx.commit().await.map_err(StoreError::query("rules_commit"))?;
        Ok(true)
    }

    /// The stored rule set (empty until rules are loaded).
    ///
    /// # Errors
    /// When the query fails or a stored rule no longer reads.
    pub async fn rule_set(&self) -> StoreResult<RuleSet> {
        read_rule_set(&self.client().await?).await
    }
}

/// The stored rules and grid settings, through a connection or a transaction.
pub(crate) async fn read_rule_set(c: &impl deadpool_postgres::GenericClient) -> StoreResult<RuleSet> {
    let rules = c
        .query("SELECT body FROM nexus_rules ORDER BY position", &[])
        .await
        .map_err(StoreError::query("rules"))?
        .iter()
        .map(|r| serde_json::from_value::<Rule>(r.get(0)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Query { what: "rules_read", reason: e.to_string() })?;
    let setting = |key: &'static str| async move {
        c.query_opt("SELECT value FROM nexus_settings WHERE key = $1", &[&key])
            .await
            .map_err(StoreError::query("rules_settings_read"))
            .map(|r| r.map(|r| r.get::<_, serde_json::Value>(0)))
    };
    let bad = |e: serde_json::Error| StoreError::Query { what: "rules_settings_read", reason: e.to_string() };
    let grid = setting("grid").await?.map(serde_json::from_value).transpose().map_err(bad)?.unwrap_or_default();
    let sources = setting("sources").await?.map(serde_json::from_value).transpose().map_err(bad)?.unwrap_or_default();
    let set = RuleSet { grid, rules, sources };
    // The table is data anyone with database access may edit: what reaches SQL is checked
    // as strictly as what comes through the API.
    set.validate().map_err(|e| StoreError::Invalid(format!("the stored Nexus rules are not valid: {e}")))?;
    Ok(set)
}
