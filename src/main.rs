//! `debrief`: parses the command line, loads the settings, runs the server.

use clap::Parser as _;
use debrief::cli::{Cli, Command, ModelKind, ModelsCommand};
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
        Command::Models(ModelsCommand::Fetch { only }) => {
            let settings = Settings::load(cli.config.as_deref())?;
            fetch_models(&settings, only)
        }
        Command::Upload(args) => debrief::upload_client::run(*args).await,
        Command::Serve => {
            let settings = Settings::load(cli.config.as_deref())?;
            debrief::telemetry::init_logging(&settings.log.filter);
            Application::build(settings).await?.run_until_stopped().await
        }
    }
}

/// `debrief models fetch`: every configured offline model, or only one kind.
fn fetch_models(settings: &Settings, only: Option<ModelKind>) -> anyhow::Result<()> {
    use debrief::models::{catalog, fetch, status::FetchStatus};
    let mut wanted = Vec::new();
    if matches!(only, None | Some(ModelKind::Chat)) && !settings.models.chat.trim().is_empty() {
        let id = settings.models.chat.trim();
        wanted.push(catalog::find(id).ok_or_else(|| anyhow::anyhow!("models.chat names an unknown model {id:?}"))?);
    }
    let status = FetchStatus::default();
    let mut failed = false;
    for spec in wanted {
        println!("{}: checking {}", spec.name, fetch::model_path(&settings.models.dir, spec).display());
        let result = fetch::ensure(&settings.models.dir, &settings.models.python, spec, &status);
        println!("{}", fetch::describe(&result, spec));
        failed |= result.is_err();
    }
    if failed {
        anyhow::bail!("some models could not be fetched");
    }
    Ok(())
}
