//! `debrief`: parses the command line, loads the settings, runs the server.

use clap::Parser as _;
use debrief::cli::{Cli, Command};
use debrief::config::{DEFAULT_TOML, Settings};
use debrief::startup::Application;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::DefaultConfig => {
            print!("{DEFAULT_TOML}");
            Ok(())
        }
        Command::Upload(args) => debrief::upload_client::run(*args).await,
        Command::Serve => {
            let settings = Settings::load(cli.config.as_deref())?;
            debrief::telemetry::init_logging(&settings.log.filter);
            Application::build(settings).await?.run_until_stopped().await
        }
    }
}
