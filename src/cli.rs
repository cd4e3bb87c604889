//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::domain::DatabaseUrl;

#[derive(Debug, Parser)]
#[command(
    name = "herald",
    version,
    about = "News distribution bot for Telegram, Matrix and the terminal"
)]
pub struct Cli {
    /// Configuration file (default: config/herald.toml if present).
    #[arg(long, short, global = true, env = "HERALD_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run herald (the default). Without platform accounts it opens the terminal chat.
    Run {
        /// Load the demo newsroom first if the database is empty, without asking.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Check the configuration and print what herald would run with (secrets hidden).
    CheckConfig,
    /// Add the feeds of an OPML file as sources.
    ImportOpml {
        /// The OPML file.
        file: PathBuf,
    },
    /// Print every source as OPML.
    ExportOpml,
    /// Rebuild the search index with the current analysis (after an upgrade; `run` does it
    /// too, in the background). Interrupt it at any time: it resumes where it stopped.
    Reindex,
    /// Copy a newsroom from its SQLite database into PostgreSQL (herald stopped), with a
    /// progress bar, and check every table's rows on both sides. Interrupt it at any time: it
    /// resumes where it stopped.
    CopyDb {
        /// The SQLite database: `sqlite://<path>` or a path.
        from: DatabaseUrl,
        /// The PostgreSQL database: `postgres://user[:password]@host[:port]/database`.
        to: DatabaseUrl,
    },
}
