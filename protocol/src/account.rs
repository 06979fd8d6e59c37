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
    #[error("{field} must not contain control characters")]
    ControlCharacters { field: &'static str },
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
    /// Normalises and checks the shape `local@domain.tld` (no spaces, one `@`).
    pub fn parse(raw: &str, limits: &AccountLimits) -> Result<Self, InputError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(InputError::Empty { field: "email" });
        }
        if email.chars().count() > limits.email_max {
            return Err(InputError::TooLong { field: "email", max: limits.email_max });
        }
        let (local, domain) = email.split_once('@').ok_or(InputError::InvalidEmail)?;
        let well_formed = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if well_formed { Ok(Self(email)) } else { Err(InputError::InvalidEmail) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: trimmed, non-empty, no control characters.
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
        if name.chars().any(char::is_control) {
            return Err(InputError::ControlCharacters { field: "name" });
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password within the configured length bounds (counted in characters).
/// Never logged, never echoed: `Debug` hides it.
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
}
