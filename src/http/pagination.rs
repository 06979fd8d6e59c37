//! Cursor pagination shared by the list endpoints: page sizes and the
//! `created_at` cursors of newest-first lists.

use chrono::{DateTime, Utc};

use crate::error::ApiError;

/// The page size asked for, `default` when absent (never above `max`); 0 or
/// more than `max` is refused, as the API document says (`minimum`, `maximum`).
pub fn page_size(requested: Option<usize>, default: usize, max: usize) -> Result<usize, ApiError> {
    match requested {
        Some(n) if n == 0 || n > max => {
            Err(ApiError::Validation { field: "limit", message: format!("limit must be from 1 to {max}") })
        }
        Some(n) => Ok(n),
        None => Ok(default.clamp(1, max.max(1))),
    }
}

/// Parses a `cursor` this API gave out (the `created_at` of a page's last item).
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    cursor
        .map(|cursor| {
            DateTime::parse_from_rfc3339(cursor)
                .map(|at| at.with_timezone(&Utc))
                .map_err(|_| ApiError::BadRequest(String::from("cursor is not one this API gave out")))
        })
        .transpose()
}

/// Cuts `items` (fetched with one extra) to `limit` and returns the cursor of
/// the next page, if there is one.
pub fn next_page<T>(items: &mut Vec<T>, limit: usize, created_at: impl Fn(&T) -> DateTime<Utc>) -> Option<String> {
    if items.len() <= limit {
        return None;
    }
    items.truncate(limit);
    items.last().map(|item| created_at(item).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
}
