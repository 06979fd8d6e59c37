//! The command line: `debrief` (= `debrief serve`) and its options.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Debrief: an interview-coaching server.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// A TOML file overriding the built-in defaults (config/default.toml).
    #[arg(long, global = true, env = "DEBRIEF_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Print the effective configuration's defaults file and exit.
    DefaultConfig,
    /// Upload a recording to a Debrief server (tus, resumable) with a progress line.
    Upload(Box<crate::upload_client::UploadArgs>),
}
