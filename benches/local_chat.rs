//! Local chat benchmark: prompt evaluation and generation speed of the
//! offline chat model as Debrief runs it (candle, CPU), and the peak memory.
//!
//! Run: `cargo bench --bench local_chat`. Environment: `BENCH_MODEL`
//! (default `qwen2.5-0.5b`; `smollm2-135m` for the fixture), `BENCH_MODELS_DIR`
//! (default `./data/models`; missing weights are fetched first), `BENCH_RUNS`
//! (3), `BENCH_MAX_TOKENS` (128). Prints one line per figure.
//! The reference engine (llama.cpp) is not run here yet: see MODELS.md for its
//! figures on this machine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use actors::chat_ports::{Turn, TurnRole};
use debrief::config::Settings;
use debrief::models::{catalog, fetch, status::FetchStatus};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(str::to_owned))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() {
    let settings = Settings::defaults().unwrap();
    let id = std::env::var("BENCH_MODEL").unwrap_or_else(|_| String::from("qwen2.5-0.5b"));
    let dir = std::env::var("BENCH_MODELS_DIR").map_or_else(|_| PathBuf::from("data/models"), PathBuf::from);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let max_tokens: usize = std::env::var("BENCH_MAX_TOKENS").ok().and_then(|v| v.parse().ok()).unwrap_or(128);
    let spec = catalog::find(&id).expect("BENCH_MODEL names a known model");
    let fetched = fetch::ensure(&dir, &settings.models.python, spec, &FetchStatus::default());
    println!("# {}", fetch::describe(&fetched, spec));
    fetched.unwrap();

    let persona = settings.chat.persona().unwrap();
    let context = vec![
        Turn { role: TurnRole::System, content: persona.system_prompt },
        Turn { role: TurnRole::Assistant, content: persona.introduction },
        Turn {
            role: TurnRole::User,
            content: String::from(
                "I lead the platform team at a logistics company. Last quarter we moved our deployments \
                 from hand-run scripts to a pipeline, and release failures dropped by half.",
            ),
        },
    ];
    let path = fetch::model_path(&dir, spec);
    let mut prompt_rates = Vec::new();
    let mut generation_rates = Vec::new();
    for run in 0..runs {
        let timing =
            debrief::llm::local::time_generation(&path, &context, max_tokens, settings.models.sampling()).unwrap();
        let prompt_rate = timing.prompt_tokens as f64 / timing.first_token.as_secs_f64();
        let generation_rate =
            timing.generated_tokens.saturating_sub(1) as f64 / timing.generation.as_secs_f64().max(1e-9);
        println!(
            "# run {run}: prompt {} tokens in {:.2} s, generated {} tokens in {:.2} s",
            timing.prompt_tokens,
            timing.first_token.as_secs_f64(),
            timing.generated_tokens,
            timing.generation.as_secs_f64()
        );
        prompt_rates.push(prompt_rate);
        generation_rates.push(generation_rate);
    }
    let best = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!("{id}_prompt_tokens_per_s {:.1}", best(&prompt_rates));
    println!("{id}_generation_tokens_per_s {:.1}", best(&generation_rates));
    println!("{id}_peak_rss_mib {:.0}", peak_rss_mib());
}
