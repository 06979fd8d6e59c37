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
        Command::Models(ModelsCommand::Fetch { only, quality }) => {
            let settings = Settings::load(cli.config.as_deref())?;
            fetch_models(&settings, only, quality)
        }
        Command::Transcribe(args) => {
            let settings = Settings::load(cli.config.as_deref())?;
            tokio::task::spawn_blocking(move || transcribe(&settings, &args)).await?
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
fn fetch_models(settings: &Settings, only: Option<ModelKind>, quality: bool) -> anyhow::Result<()> {
    use debrief::models::{catalog, fetch, status::FetchStatus};
    use catalog::Kind;
    let only: Option<Kind> = only.map(Kind::from);
    let configured = [
        (Kind::Chat, "models.chat", &settings.models.chat),
        (Kind::Stt, "models.stt", &settings.models.stt),
        (Kind::Embed, "models.embed", &settings.models.embed),
        (Kind::Diarize, "models.diarize", &settings.models.diarize),
    ];
    let mut wanted = Vec::new();
    for (kind, key, id) in configured {
        let id = id.trim();
        if only.is_some_and(|o| o != kind) || id.is_empty() {
            continue;
        }
        wanted.push(catalog::find(id).ok_or_else(|| anyhow::anyhow!("{key} names an unknown model {id:?}"))?);
    }
    if quality {
        for id in catalog::QUALITY {
            let spec = catalog::find(id).ok_or_else(|| anyhow::anyhow!("unknown quality model {id}"))?;
            if only.is_none_or(|o| o == spec.kind) && !wanted.iter().any(|w| w.id == spec.id) {
                wanted.push(spec);
            }
        }
    }
    let status = FetchStatus::default();
    let mut failed = false;
    for spec in wanted {
        println!("{}: checking {}", spec.name, fetch::model_dir(&settings.models.dir, spec).display());
        let result = fetch::ensure(&settings.models.dir, &settings.models.python, spec, &status);
        println!("{}", fetch::describe(&result, spec));
        failed |= result.is_err();
    }
    if failed {
        anyhow::bail!("some models could not be fetched");
    }
    Ok(())
}

/// `debrief transcribe FILE`: the local speech model on a WAV file.
fn transcribe(settings: &Settings, args: &debrief::cli::TranscribeArgs) -> anyhow::Result<()> {
    use debrief::models::{catalog, fetch, status::FetchStatus};
    use debrief::stt::{LocalWhisper, Options};
    let id = args.model.as_deref().unwrap_or(settings.models.stt.trim());
    let spec = catalog::find(id).filter(|s| s.kind == catalog::Kind::Stt).ok_or_else(|| anyhow::anyhow!("{id:?} is not a speech model"))?;
    let fetched = fetch::ensure(&settings.models.dir, &settings.models.python, spec, &FetchStatus::default());
    if fetched.is_err() {
        anyhow::bail!("{}", fetch::describe(&fetched, spec));
    }
    // A 16 kHz WAV is read window by window; other rates are resampled in memory first.
    let mut audio: Box<dyn debrief::stt::Pcm> = match debrief::audio::WavPcm::open(&args.file)? {
        Some(pcm) => Box::new(pcm),
        None => Box::new(debrief::audio::read_wav_16k(&args.file)?),
    };
    let whisper = LocalWhisper::load(&fetch::model_dir(&settings.models.dir, spec), spec.name)?;
    let initial_prompt = args.prompt.clone().or_else(|| spec.initial_prompt.map(str::to_owned));
    let beam_size = args.beam.unwrap_or(settings.transcription.beam_size);
    let options = Options { initial_prompt, word_timestamps: !args.no_words, short_context: false, beam_size };
    let started = std::time::Instant::now();
    let transcript = whisper.transcribe(audio.as_mut(), &options, &mut |_| {})?;
    if args.timing {
        let elapsed = started.elapsed().as_secs_f64();
        eprintln!(
            "transcribed {:.1} s of audio in {elapsed:.2} s (real-time factor {:.2})",
            transcript.duration_secs,
            transcript.duration_secs / elapsed.max(1e-9)
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&transcript)?);
    } else {
        for segment in &transcript.segments {
            println!("[{:>7.2} → {:>7.2}] {}", segment.start, segment.end, segment.text);
        }
    }
    Ok(())
}
