//! `nexus user …`, `nexus token …` and `nexus audit`: accounts and the audit trail from the
//! command line. The command line acts as a site admin (it holds the database's credentials
//! anyway) and its changes are audited as `cli`.

use std::io::{BufRead, Write};

use anyhow::{anyhow, bail};
use nexus_core::Role;
use nexus_service::accounts::{Accounts, Actor, UserSpec};
use nexus_store::AuditFilter;

use crate::config::Settings;
use crate::database;
use crate::people_args::{AuditArgs, TokenAction, UserAction};

async fn accounts(settings: &Settings) -> anyhow::Result<std::sync::Arc<Accounts>> {
    Ok(Accounts::without_cache(database::open(settings).await?))
}

/// `nexus user …`.
pub async fn user(settings: &Settings, action: UserAction) -> anyhow::Result<()> {
    let accounts = accounts(settings).await?;
    let cli = Actor::cli();
    let mut out = std::io::stdout();
    match action {
        UserAction::Add(a) => {
            if a.roles.len() != a.cities.len() {
                bail!("give each --role its --city (got {} roles and {} cities)", a.roles.len(), a.cities.len());
            }
            let password = if a.password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let spec = UserSpec {
                email: a.email.clone(),
                name: a.name,
                password,
                site_admin: a.admin,
                roles: a.cities.into_iter().zip(a.roles).collect(),
            };
            let id = accounts.create_user(&cli, &spec).await?;
            writeln!(out, "user {} created (id {id})", a.email.trim().to_lowercase())?;
            if !a.password_stdin {
                writeln!(out, "no password set: it signs in with tokens (nexus token create --user …)")?;
            }
        }
        UserAction::List => {
            for u in accounts.users(&cli, None).await? {
                let roles: Vec<String> = u.access.roles.iter().map(|m| format!("{}:{}", m.city, m.role)).collect();
                let flags = [(u.access.site_admin, "site admin"), (u.disabled, "disabled")];
                let flags: Vec<&str> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
                writeln!(out, "{}\t{}\t{}\t{}", u.access.email, u.access.name, roles.join(","), flags.join(","))?;
            }
        }
        UserAction::Disable { email } => {
            accounts.set_disabled(&cli, &email, true).await?;
            writeln!(out, "{email} disabled")?;
        }
        UserAction::Enable { email } => {
            accounts.set_disabled(&cli, &email, false).await?;
            writeln!(out, "{email} enabled")?;
        }
        UserAction::Roles { email, role, city, remove } => {
            let role = match (role, remove) {
                (Some(r), false) => Some(r),
                (None, true) => None,
                _ => bail!("give either --role ROLE or --remove"),
            };
            accounts.set_role(&cli, &email, &city, role).await?;
            writeln!(out, "{email} in {city}: {}", role.map_or("no role", Role::as_str))?;
        }
    }
    Ok(())
}

/// `nexus token …`.
pub async fn token(settings: &Settings, action: TokenAction) -> anyhow::Result<()> {
    let accounts = accounts(settings).await?;
    let cli = Actor::cli();
    let mut out = std::io::stdout();
    match action {
        TokenAction::Create { user, name, expires } => {
            let (id, token) = accounts.create_token(&cli, &user, &name, expires).await?;
            writeln!(out, "{token}")?;
            eprintln!("token {id} for {user}; this is the only time it is shown");
        }
        TokenAction::Revoke { id } => {
            accounts.revoke_token(&cli, id).await?;
            writeln!(out, "token {id} revoked")?;
        }
        TokenAction::List => {
            for t in accounts.tokens(&cli, true).await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                writeln!(out, "{}\t{}\t{}\t{state}", t.id, t.owner, t.name)?;
            }
        }
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// `nexus audit`.
pub async fn audit(settings: &Settings, args: AuditArgs) -> anyhow::Result<()> {
    let store = database::open(settings).await?;
    let since = args
        .since
        .map(|s| time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339))
        .transpose()
        .map_err(|_| anyhow!("--since takes an RFC 3339 time, as in 2026-11-30T00:00:00Z"))?;
    let filter = AuditFilter {
        city: args.city.map(|c| c.to_string()),
        action: args.action,
        since,
        limit: args.limit.clamp(1, 100_000),
        ..AuditFilter::default()
    };
    let mut out = std::io::stdout().lock();
    if args.csv {
        writeln!(
            out,
            "id,at,actor,via,action,target_type,target_id,city,revision_before,revision_after,client,summary"
        )?;
    }
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for r in store.audit(&filter).await? {
        let at = r.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let fields = [
            r.id.to_string(),
            at,
            r.actor_name,
            r.via,
            r.action,
            r.target_type,
            r.target_id.unwrap_or_default(),
            r.city.unwrap_or_default(),
            opt(r.revision_before),
            opt(r.revision_after),
            r.client.unwrap_or_default(),
            r.summary,
        ];
        if args.csv {
            writeln!(out, "{}", fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","))?;
        } else {
            writeln!(out, "{}", fields.join("\t"))?;
        }
    }
    Ok(())
}

/// `nexus purge`: deleted projects and layers go for good, each with its audit row.
pub async fn purge(settings: &Settings) -> anyhow::Result<()> {
    let store = database::open(settings).await?;
    let cli = Actor::cli();
    let mut out = std::io::stdout();
    for (what, gone) in [("project", store.purge_projects().await?), ("layer", store.purge_layers().await?)] {
        for id in &gone {
            let action = if what == "project" { "project.purge" } else { "layer.purge" };
            let mut row = cli.audit(action, what, Some(id.clone()));
            row.summary = "removed for good with its history".into();
            store.append_audit(&row).await?;
        }
        let list = if gone.is_empty() { String::new() } else { format!(": {}", gone.join(", ")) };
        writeln!(out, "purged {} deleted {what}s{list}", gone.len())?;
    }
    Ok(())
}
