//! Sign-in throttling that slows password guessing without letting anyone
//! lock a user out (OWASP ASVS 2.2.1). Nothing is counted per account alone:
//! a stranger's failures only ever slow the stranger's own address, and the
//! account's owner signs in from theirs as usual. Three counters, in memory:
//!
//! - every sign-in and registration attempt per client address, a GCRA bucket
//!   of `auth.login_per_ip_per_minute` (floods, credential stuffing);
//! - failed sign-ins per client address over all accounts, a bucket of
//!   `auth.login_failures_per_ip_per_hour` (one common password sprayed over
//!   many accounts);
//! - failed sign-ins per (client address, account): after
//!   `auth.login_free_failures` of them, that address must wait before its next
//!   try on that account, `auth.login_backoff_base_secs` doubled with each
//!   further failure up to `auth.login_backoff_max_secs`. A success clears it;
//!   so does `auth.login_failure_memory_secs` without a failure.
//!
//! Refusals answer `429 rate_limited` with `Retry-After`. Unknown emails are
//! counted like known ones, so the throttle tells nothing about which accounts
//! exist. Each counter is a table of at most `auth.login_tracked_keys_max`
//! keys whose entries expire (a bucket once it has refilled, a backoff once
//! forgotten); a full table first sweeps its expired entries, then drops an
//! arbitrary live one: forgetting one client's count is better than refusing
//! every new client, and whoever can fill the table commands more addresses
//! than any per-address count can stop. Each node counts on its own.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::address::ClientAddress;
use crate::error::ApiError;

/// The throttle's limits, from `[auth]`.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    /// Attempts (sign-in or registration) per client address each minute.
    pub attempts_per_ip_per_minute: u32,
    /// Failed sign-ins per client address each hour, over all accounts.
    pub failures_per_ip_per_hour: u32,
    /// Failed sign-ins from one address on one account before it must wait.
    pub free_failures: u32,
    /// The first wait; each further failure doubles it.
    pub backoff_base: Duration,
    /// The longest wait.
    pub backoff_max: Duration,
    /// How long an address's failures on an account are remembered.
    pub failure_memory: Duration,
    /// The most keys each counter tracks at once.
    pub tracked_keys_max: usize,
}

/// Why an attempt was refused, and how long the client must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many attempts from this address, whatever their outcome.
    TooManyAttempts { retry_after: Duration },
    /// Too many failed sign-ins from this address, over all accounts.
    TooManyFailures { retry_after: Duration },
    /// This address failed on this account too often; it is backing off.
    BackingOff { retry_after: Duration },
}

impl Refusal {
    pub fn retry_after(self) -> Duration {
        match self {
            Self::TooManyAttempts { retry_after }
            | Self::TooManyFailures { retry_after }
            | Self::BackingOff { retry_after } => retry_after,
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        tracing::info!(?refusal, "sign-in throttled");
        // Whole seconds, rounded up, so a client that waits as told gets through.
        let wait = refusal.retry_after();
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::RateLimited { retry_after_secs: secs.max(1) }
    }
}

/// What the limiter reads the time from (a fake one in tests).
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// The throttle guarding sign-in and registration; one per node, shared.
pub struct LoginLimiter {
    attempts: Rate,
    failures: Rate,
    limits: ThrottleLimits,
    clock: Clock,
    tables: Mutex<Tables>,
}

/// The three counters, behind one lock so that a check and its count cannot race.
struct Tables {
    attempts: Table<ClientAddress, Bucket>,
    failures: Table<ClientAddress, Bucket>,
    backoffs: Table<(ClientAddress, String), Backoff>,
}

impl LoginLimiter {
    pub fn new(limits: ThrottleLimits) -> Self {
        Self::with_clock(limits, Arc::new(Instant::now))
    }

    pub fn with_clock(limits: ThrottleLimits, clock: Clock) -> Self {
        let max = limits.tracked_keys_max.max(1);
        Self {
            attempts: Rate::new(limits.attempts_per_ip_per_minute, Duration::from_secs(60)),
            failures: Rate::new(limits.failures_per_ip_per_hour, Duration::from_secs(3600)),
            limits,
            clock,
            tables: Mutex::new(Tables {
                attempts: Table::new(max),
                failures: Table::new(max),
                backoffs: Table::new(max),
            }),
        }
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        // The tables hold counters only; one left half-updated by a panic is harmless.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts an attempt (sign-in or registration) from this address.
    pub fn check_address(&self, address: ClientAddress) -> Result<(), Refusal> {
        let now = (self.clock)();
        let mut tables = self.tables();
        let full_at = tables.attempts.live(&address, now).map_or(now, |b| b.full_at);
        if let Some(retry_after) = self.attempts.wait(full_at, now) {
            return Err(Refusal::TooManyAttempts { retry_after });
        }
        tables.attempts.insert(address, Bucket { full_at: self.attempts.add(full_at, now) }, now);
        Ok(())
    }

    /// Whether this address may try a password on this account (normalised
    /// email) now. Counts nothing: the outcome is reported afterwards.
    pub fn check_sign_in(&self, address: ClientAddress, account: &str) -> Result<(), Refusal> {
        let now = (self.clock)();
        let tables = self.tables();
        let key = (address, account.to_owned());
        if let Some(backoff) = tables.backoffs.live(&key, now)
            && backoff.not_before > now
        {
            return Err(Refusal::BackingOff { retry_after: backoff.not_before - now });
        }
        let full_at = tables.failures.live(&address, now).map_or(now, |b| b.full_at);
        match self.failures.wait(full_at, now) {
            Some(retry_after) => Err(Refusal::TooManyFailures { retry_after }),
            None => Ok(()),
        }
    }

    /// Records a wrong password from this address on this account.
    pub fn record_failure(&self, address: ClientAddress, account: &str) {
        let now = (self.clock)();
        let mut tables = self.tables();
        let full_at = tables.failures.live(&address, now).map_or(now, |b| b.full_at);
        tables.failures.insert(address, Bucket { full_at: self.failures.add(full_at, now) }, now);
        let key = (address, account.to_owned());
        let failures = tables.backoffs.live(&key, now).map_or(0, |b| b.failures).saturating_add(1);
        let not_before = now + self.backoff_after(failures);
        let forget_at = not_before.max(now + self.limits.failure_memory);
        tables.backoffs.insert(key, Backoff { failures, not_before, forget_at }, now);
    }

    /// Records a successful sign-in: this address's failures on this account
    /// are forgiven (its failures over all accounts still count).
    pub fn record_success(&self, address: ClientAddress, account: &str) {
        self.tables().backoffs.remove(&(address, account.to_owned()));
    }

    /// The wait imposed after the `failures`-th consecutive failure.
    fn backoff_after(&self, failures: u32) -> Duration {
        let Some(doublings) = failures.checked_sub(self.limits.free_failures) else {
            return Duration::ZERO;
        };
        let factor = 1u32 << doublings.min(31);
        self.limits.backoff_base.saturating_mul(factor).min(self.limits.backoff_max)
    }

    /// Drops expired entries (run periodically, so idle keys do not wait for
    /// a full table to be swept).
    pub fn forget_idle(&self) {
        let now = (self.clock)();
        let mut tables = self.tables();
        tables.attempts.sweep(now);
        tables.failures.sweep(now);
        tables.backoffs.sweep(now);
    }

    /// How many keys the counters track (attempts, failures, backoffs).
    pub fn tracked(&self) -> (usize, usize, usize) {
        let tables = self.tables();
        (tables.attempts.len(), tables.failures.len(), tables.backoffs.len())
    }
}

/// A rate of `n` events per period with bursts of up to `n`, as GCRA
/// (the generic cell rate algorithm): a bucket's whole state is the instant
/// it will be full again, and each event pushes that instant one interval on.
#[derive(Debug, Clone, Copy)]
struct Rate {
    interval: Duration,
    period: Duration,
}

impl Rate {
    fn new(per_period: u32, period: Duration) -> Self {
        Self { interval: period / per_period.max(1), period }
    }

    /// How long until a bucket full again at `full_at` admits one more event
    /// (None: it does now).
    fn wait(self, full_at: Instant, now: Instant) -> Option<Duration> {
        let after = self.add(full_at, now);
        let limit = now + self.period;
        (after > limit).then(|| after - limit)
    }

    /// The bucket's `full_at` once one more event is counted.
    fn add(self, full_at: Instant, now: Instant) -> Instant {
        full_at.max(now) + self.interval
    }
}

/// A GCRA bucket: forgotten once full again.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    full_at: Instant,
}

/// One address's consecutive failures on one account.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    failures: u32,
    /// No new try before this.
    not_before: Instant,
    /// When the failures are forgotten.
    forget_at: Instant,
}

/// An entry that stops mattering at some point.
trait Expiring {
    fn expired(&self, now: Instant) -> bool;
}

impl Expiring for Bucket {
    fn expired(&self, now: Instant) -> bool {
        self.full_at <= now
    }
}

impl Expiring for Backoff {
    fn expired(&self, now: Instant) -> bool {
        self.forget_at <= now
    }
}

/// A map of at most `max` keys whose entries expire.
struct Table<K, V> {
    entries: HashMap<K, V>,
    max: usize,
    /// A full table sweeps at most once a second, so that a table full of
    /// live entries costs one removal per insert, not one scan.
    next_sweep: Option<Instant>,
}

impl<K: Eq + Hash + Clone, V: Expiring> Table<K, V> {
    fn new(max: usize) -> Self {
        Self { entries: HashMap::new(), max, next_sweep: None }
    }

    /// The key's entry, unless it has expired.
    fn live(&self, key: &K, now: Instant) -> Option<&V> {
        self.entries.get(key).filter(|entry| !entry.expired(now))
    }

    fn insert(&mut self, key: K, value: V, now: Instant) {
        if !self.entries.contains_key(&key) {
            self.make_room(now);
        }
        self.entries.insert(key, value);
    }

    fn remove(&mut self, key: &K) {
        self.entries.remove(key);
    }

    fn sweep(&mut self, now: Instant) {
        self.entries.retain(|_, entry| !entry.expired(now));
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn make_room(&mut self, now: Instant) {
        if self.entries.len() < self.max {
            return;
        }
        if self.next_sweep.is_none_or(|at| at <= now) {
            self.sweep(now);
            self.next_sweep = Some(now + Duration::from_secs(1));
        }
        while self.entries.len() >= self.max {
            let Some(victim) = self.entries.keys().next().cloned() else { break };
            self.entries.remove(&victim);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    const LIMITS: ThrottleLimits = ThrottleLimits {
        attempts_per_ip_per_minute: 1000,
        failures_per_ip_per_hour: 1000,
        free_failures: 3,
        backoff_base: Duration::from_secs(2),
        backoff_max: Duration::from_secs(60),
        failure_memory: Duration::from_secs(3600),
        tracked_keys_max: 1000,
    };

    /// A clock the test moves by hand.
    struct FakeTime(Arc<Mutex<Instant>>);

    impl FakeTime {
        fn advance(&self, by: Duration) {
            *self.0.lock().unwrap() += by;
        }
    }

    fn limiter(limits: ThrottleLimits) -> (LoginLimiter, FakeTime) {
        let now = Arc::new(Mutex::new(Instant::now()));
        let read = Arc::clone(&now);
        let clock: Clock = Arc::new(move || *read.lock().unwrap());
        (LoginLimiter::with_clock(limits, clock), FakeTime(now))
    }

    fn address(ip: &str) -> ClientAddress {
        ClientAddress::from_ip(ip.parse::<IpAddr>().unwrap())
    }

    fn fail(limiter: &LoginLimiter, from: ClientAddress, account: &str) -> Result<(), Refusal> {
        limiter.check_sign_in(from, account)?;
        limiter.record_failure(from, account);
        Ok(())
    }

    #[test]
    fn a_strangers_failures_never_slow_the_owner_at_another_address() {
        let (limiter, _time) = limiter(LIMITS);
        let (stranger, owner) = (address("198.51.100.1"), address("203.0.113.5"));

        let refused = (0..10).filter(|_| fail(&limiter, stranger, "ann@x.com").is_err()).count();

        assert!(refused > 0, "the stranger is slowed down");
        assert_eq!(limiter.check_sign_in(owner, "ann@x.com"), Ok(()));
        assert_eq!(limiter.check_sign_in(stranger, "bo@x.com"), Ok(()), "other accounts are not affected");
    }

    #[test]
    fn the_wait_doubles_with_each_failure_past_the_free_ones_up_to_the_max() {
        let (limiter, time) = limiter(LIMITS);
        let from = address("198.51.100.1");
        let mut waits = Vec::new();
        for _ in 0..10 {
            while let Err(refusal) = fail(&limiter, from, "ann@x.com") {
                waits.push(refusal.retry_after().as_secs());
                time.advance(refusal.retry_after());
            }
        }
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn a_success_or_enough_time_forgives_the_failures() {
        let (limiter, time) = limiter(LIMITS);
        let from = address("198.51.100.1");
        for _ in 0..3 {
            fail(&limiter, from, "ann@x.com").unwrap();
        }
        assert!(limiter.check_sign_in(from, "ann@x.com").is_err());

        time.advance(Duration::from_secs(2));
        limiter.check_sign_in(from, "ann@x.com").unwrap();
        limiter.record_success(from, "ann@x.com");
        for _ in 0..3 {
            fail(&limiter, from, "ann@x.com").expect("the count started again");
        }

        time.advance(LIMITS.failure_memory);
        for _ in 0..3 {
            fail(&limiter, from, "ann@x.com").expect("old failures are forgotten");
        }
    }

    #[test]
    fn failures_over_many_accounts_from_one_address_are_limited() {
        let (limiter, time) = limiter(ThrottleLimits { failures_per_ip_per_hour: 5, ..LIMITS });
        let (sprayer, other) = (address("198.51.100.1"), address("203.0.113.5"));
        for n in 0..5 {
            fail(&limiter, sprayer, &format!("user{n}@x.com")).unwrap();
        }

        let refusal = limiter.check_sign_in(sprayer, "user9@x.com").unwrap_err();

        assert_eq!(refusal, Refusal::TooManyFailures { retry_after: Duration::from_secs(720) });
        assert_eq!(limiter.check_sign_in(other, "user9@x.com"), Ok(()));
        time.advance(Duration::from_secs(720));
        assert_eq!(limiter.check_sign_in(sprayer, "user9@x.com"), Ok(()));
    }

    #[test]
    fn attempts_from_one_address_are_limited_per_minute() {
        let (limiter, time) = limiter(ThrottleLimits { attempts_per_ip_per_minute: 2, ..LIMITS });
        let from = address("198.51.100.1");
        limiter.check_address(from).unwrap();
        limiter.check_address(from).unwrap();

        let refusal = limiter.check_address(from).unwrap_err();

        assert_eq!(refusal, Refusal::TooManyAttempts { retry_after: Duration::from_secs(30) });
        assert_eq!(limiter.check_address(address("203.0.113.5")), Ok(()));
        time.advance(Duration::from_secs(30));
        assert_eq!(limiter.check_address(from), Ok(()));
    }

    #[test]
    fn the_tables_never_hold_more_than_the_configured_keys_and_forget_idle_ones() {
        let (limiter, time) = limiter(ThrottleLimits { tracked_keys_max: 50, ..LIMITS });
        for n in 0..500u32 {
            let from = ClientAddress::from_ip(IpAddr::from(n.to_be_bytes()));
            limiter.check_address(from).unwrap();
            limiter.record_failure(from, "ann@x.com");
        }
        let (attempts, failures, backoffs) = limiter.tracked();
        assert!(attempts <= 50 && failures <= 50 && backoffs <= 50, "{:?}", limiter.tracked());

        time.advance(LIMITS.failure_memory);
        limiter.forget_idle();
        assert_eq!(limiter.tracked(), (0, 0, 0));
    }

    #[test]
    fn a_refusal_answers_429_with_whole_seconds_rounded_up() {
        let refusal = Refusal::BackingOff { retry_after: Duration::from_millis(1200) };
        match ApiError::from(refusal) {
            ApiError::RateLimited { retry_after_secs } => assert_eq!(retry_after_secs, 2),
            other => panic!("unexpected {other:?}"),
        }
    }
}
