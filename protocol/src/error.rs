//! The error body of the external contract:
//! `{"error": {"code": "snake_case_code", "message": "human sentence", "details": {...}}}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The whole JSON body of a failed request (and the `error` of an `error` frame).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and for people (`message`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ErrorDetail {
    /// Stable snake_case identifier, e.g. `email_taken`, `rate_limited`.
    pub code: String,
    /// A sentence safe to show to the user.
    pub message: String,
    /// Extra machine-readable facts (the field at fault, seconds to wait…).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl ErrorDetail {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), details: serde_json::Value::Null }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

impl ErrorBody {
    /// An error with no details.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::with_details(code, message, serde_json::Value::Null)
    }

    /// An error carrying machine-readable details.
    pub fn with_details(
        code: impl Into<String>,
        message: impl Into<String>,
        details: serde_json::Value,
    ) -> Self {
        Self {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                details,
            },
        }
    }
}
