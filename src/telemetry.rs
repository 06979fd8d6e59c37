//! Logs (tracing) and metrics (the `metrics` facade with the Prometheus
//! exporter). Logs carry ids, never emails, names or message text.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Installs the log subscriber once; later calls (tests) do nothing.
pub fn init_logging(filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}

/// The process-wide Prometheus recorder, installed on first use (once, even
/// when several servers start in one process, as in tests).
pub fn metrics_handle() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE.get_or_init(install_recorder).clone().map_err(anyhow::Error::msg)
}

fn install_recorder() -> Result<PrometheusHandle, String> {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix(String::from("_seconds")),
            &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
        )
        .map_err(|e| e.to_string())?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|e| e.to_string())?;
    describe();
    Ok(handle)
}

/// HELP lines for every metric Debrief exports.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!("debrief_http_requests_total", "HTTP requests by method, route and status");
    describe_histogram!(
        "debrief_http_request_duration_seconds",
        "HTTP request latency by method and route"
    );
    describe_gauge!("debrief_ws_open_sockets", "WebSocket connections open on this node");
    describe_counter!("debrief_ws_frames_in_total", "WebSocket frames received from clients");
    describe_counter!("debrief_ws_frames_out_total", "WebSocket frames queued to clients");
    describe_counter!("debrief_ws_slow_clients_total", "Sockets closed for reading too slowly");
    describe_counter!("debrief_events_stored_total", "Durable events appended to user logs");
    describe_counter!(
        "debrief_events_delivered_total",
        "Durable events handed to sockets, live or by replay"
    );
    describe_histogram!(
        "debrief_chat_time_to_first_token_seconds",
        "Time from asking the chat model to its first piece of text"
    );
    describe_histogram!("debrief_chat_reply_duration_seconds", "Time to generate and store a whole reply");
    describe_counter!("debrief_chat_tokens_in_total", "Estimated tokens sent to the chat model");
    describe_counter!("debrief_chat_tokens_out_total", "Estimated tokens received from the chat model");
    describe_counter!("debrief_chat_model_errors_total", "Chat replies that failed, by kind");
    describe_counter!("debrief_chat_model_retries_total", "Chat model requests retried after a timeout or broken stream");
    describe_gauge!("debrief_chat_active_conversations", "Conversation actors running on this node");
}
