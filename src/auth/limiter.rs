//! Login rate limiting, per client IP and per account (governor's keyed GCRA
//! limiters: a well-kept crate whose state per key is one integer). Exceeding
//! either answers `429 rate_limited` with the seconds to wait.

use std::num::NonZeroU32;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// The two limiters guarding sign-in and registration.
pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<String>,
    per_account: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl LoginLimiter {
    pub fn new(per_ip_per_minute: u32, per_account_per_minute: u32) -> Self {
        Self {
            per_ip: RateLimiter::keyed(per_minute(per_ip_per_minute)),
            per_account: RateLimiter::keyed(per_minute(per_account_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts an attempt from this IP.
    pub fn check_ip(&self, ip: &str) -> Result<(), ApiError> {
        self.per_ip.check_key(&ip.to_owned()).map_err(|n| self.refusal(n))
    }

    /// Counts an attempt on this account (normalised email).
    pub fn check_account(&self, email: &str) -> Result<(), ApiError> {
        self.per_account.check_key(&email.to_owned()).map_err(|n| self.refusal(n))
    }

    fn refusal(&self, not_until: governor::NotUntil<<DefaultClock as governor::clock::Clock>::Instant>) -> ApiError {
        let wait = not_until.wait_time_from(self.clock.now());
        ApiError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
    }

    /// Forgets keys whose allowance has fully recovered (run periodically so
    /// memory does not grow with every IP ever seen).
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
    }
}
