//! The arguments of `nexus user`, `nexus token` and `nexus audit` (run by `people.rs`).
#![allow(missing_docs, reason = "doc comments here are the --help text clap prints")]

use clap::{Args, Subcommand};
use nexus_core::{CitySlug, Role};

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user
    Add(UserAdd),
    /// List users and their roles
    List,
    /// Disable an account (its sessions end; its tokens stop working)
    Disable { email: String },
    /// Enable a disabled account again
    Enable { email: String },
    /// Give (or with --remove, take) a role in a city
    Roles {
        email: String,
        /// viewer, editor, publisher or admin (city admin)
        #[arg(long)]
        role: Option<Role>,
        /// The city's slug
        #[arg(long)]
        city: CitySlug,
        /// Take the user's role in the city away
        #[arg(long)]
        remove: bool,
    },
}

#[derive(Debug, Args)]
pub struct UserAdd {
    pub email: String,
    /// Name shown to others [default: the email's local part]
    #[arg(long)]
    pub name: Option<String>,
    /// Make a site admin (may do everything everywhere)
    #[arg(long)]
    pub admin: bool,
    /// A role in the city given by the --city at the same position (repeatable)
    #[arg(long = "role")]
    pub roles: Vec<Role>,
    /// A city for the --role at the same position (repeatable)
    #[arg(long = "city")]
    pub cities: Vec<CitySlug>,
    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a personal API token (printed once; stored hashed)
    Create {
        /// Whose token
        #[arg(long)]
        user: String,
        /// What it is for ("QGIS on my laptop")
        #[arg(long)]
        name: String,
        /// Days until it stops working [default: never]
        #[arg(long)]
        expires: Option<u32>,
    },
    /// Revoke a token by id
    Revoke { id: i64 },
    /// List tokens (never their secrets)
    List,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this city's rows
    #[arg(long)]
    pub city: Option<CitySlug>,
    /// Only rows at or after this RFC 3339 time (2026-11-30T00:00:00Z)
    #[arg(long)]
    pub since: Option<String>,
    /// Only this action (project.create) or family (project)
    #[arg(long)]
    pub action: Option<String>,
    /// At most this many rows, newest first
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
    /// Print CSV instead of aligned text
    #[arg(long)]
    pub csv: bool,
}
