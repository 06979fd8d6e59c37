//! Authentication: password hashing, bearer tokens and WebSocket tickets, the
//! `AuthUser` extractor that guards every private endpoint, and the login
//! rate limiter.

pub mod extract;
pub mod limiter;
pub mod password;
pub mod secret;

pub use extract::AuthUser;
