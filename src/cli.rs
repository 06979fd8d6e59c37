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
    /// Offline model weights.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Upload a recording to a Debrief server (tus, resumable) with a progress line.
    Upload(Box<crate::upload_client::UploadArgs>),
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Fetch, verify and install the offline model weights into `models.dir`
    /// (nothing to do when they are present and valid).
    Fetch {
        /// Only this kind of model.
        #[arg(long, value_enum)]
        only: Option<ModelKind>,
    },
}

/// Kinds of offline model that can be fetched today.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModelKind {
    Chat,
}
