//! Authentication: password hashing, bearer tokens and WebSocket tickets, the
//! `AuthUser` extractor that guards every private endpoint, and the sign-in
//! throttle with the client address it counts by.

pub mod address;
pub mod extract;
pub mod limiter;
pub mod password;
pub mod revoke;
pub mod secret;

pub use extract::AuthUser;
