//! Revoking credentials, in one place: a revoked token opens nothing more, and
//! what it opened ends. Signing out revokes the token the request came with:
//! the token and every WebSocket ticket it minted are deleted, and every socket
//! opened with it (directly or through one of those tickets) is closed with
//! 1008, while the user's other tokens and sockets carry on. Deleting the
//! account deletes all of the user's tokens and tickets with it, and closes all
//! of the user's sockets. (A password change, when there is one, should revoke
//! the user's other tokens here too.)

use actors::hub::{DisconnectToken, DisconnectUser};

use super::AuthUser;
use crate::startup::AppState;

/// Revokes the token `auth` came with (sign-out).
pub async fn revoke_token(state: &AppState, auth: &AuthUser) -> anyhow::Result<()> {
    state.store.delete_token(&auth.token_hash).await?;
    state.hub.do_send(DisconnectToken {
        user_id: auth.user_id.clone(),
        token_hash: auth.token_hash.clone(),
        reason: String::from("signed out"),
    });
    Ok(())
}

/// Closes every socket of a user whose account (with its tokens and tickets)
/// was just deleted.
pub fn account_deleted(state: &AppState, user_id: &str) {
    state.hub.do_send(DisconnectUser {
        user_id: user_id.to_owned(),
        reason: String::from("account deleted"),
    });
}
