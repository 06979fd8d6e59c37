//! The WebSocket: pushes reach every socket of their user and nobody else's;
//! bad frames are answered, not fatal; missed events are replayed on reconnect.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[actix_web::test]
async fn both_sockets_of_a_user_receive_a_push_and_another_users_socket_does_not() {
    let app = spawn_app().await;
    let ann = app.new_user("Ann").await;
    let bob = app.new_user("Bob").await;
    let mut laptop = app.socket(&ann.token).await;
    let mut phone = app.socket(&ann.token).await;
    let mut bobs = app.socket(&bob.token).await;
    // Each socket confirms it is registered before the push is made.
    for socket in [&mut laptop, &mut phone, &mut bobs] {
        socket.send_json(json!({"type": "hello"})).await;
        assert_eq!(socket.next_json().await["type"], "hello.ok");
    }

    assert_eq!(app.rename(&ann.token, "Ann Lee").await.status(), 200);

    for socket in [&mut laptop, &mut phone] {
        let push = socket.next_json().await;
        assert_eq!(push["type"], "account.updated");
        assert_eq!(push["user"]["name"], "Ann Lee");
        assert_eq!(push["seq"], 1);
    }
    // Bob's next frame is his own event, not Ann's.
    assert_eq!(app.rename(&bob.token, "Bob Ray").await.status(), 200);
    let bobs_push = bobs.next_json().await;
    assert_eq!(bobs_push["user"]["name"], "Bob Ray");
    assert_eq!(bobs_push["seq"], 1);
}

#[actix_web::test]
async fn a_malformed_frame_gets_an_error_frame_and_the_socket_stays_usable() {
    let app = spawn_app().await;
    let user = app.new_user("Cy").await;
    let mut socket = app.socket(&user.token).await;

    for (bad, code) in [
        ("this is not json", "malformed_frame"),
        (r#"{"no_type": 1}"#, "malformed_frame"),
        (r#"{"type": "launch.rockets"}"#, "unknown_frame_type"),
        (r#"{"type": "hello", "last_seq": "yesterday"}"#, "invalid_frame"),
    ] {
        socket.send_text(bad).await;
        let answer = socket.next_json().await;
        assert_eq!(answer["type"], "error", "{bad}");
        assert_eq!(answer["error"]["code"], code, "{bad}");
    }

    socket.send_json(json!({"type": "ping"})).await;
    assert_eq!(socket.next_json().await["type"], "pong");
}

#[actix_web::test]
async fn a_reconnecting_client_receives_exactly_the_events_it_missed_in_order() {
    let app = spawn_app().await;
    let user = app.new_user("Dee").await;
    let mut socket = app.socket(&user.token).await;
    socket.send_json(json!({"type": "hello"})).await;
    assert_eq!(socket.next_json().await["type"], "hello.ok");
    app.rename(&user.token, "Dee 1").await;
    let seen = socket.next_json().await["seq"].as_u64().unwrap();
    drop(socket);

    // While offline, three more things happen.
    for name in ["Dee 2", "Dee 3", "Dee 4"] {
        assert_eq!(app.rename(&user.token, name).await.status(), 200);
    }

    let mut socket = app.socket(&user.token).await;
    socket.send_json(json!({"type": "hello", "last_seq": seen})).await;
    let mut replayed: Vec<Value> = Vec::new();
    loop {
        let frame = socket.next_json().await;
        if frame["type"] == "hello.ok" {
            assert_eq!(frame["replayed"], 3);
            assert_eq!(frame["last_seq"], 4);
            break;
        }
        replayed.push(frame);
    }
    let names: Vec<&str> = replayed.iter().map(|f| f["user"]["name"].as_str().unwrap()).collect();
    let seqs: Vec<u64> = replayed.iter().map(|f| f["seq"].as_u64().unwrap()).collect();
    assert_eq!(names, ["Dee 2", "Dee 3", "Dee 4"]);
    assert_eq!(seqs, [2, 3, 4]);

    // Live pushes continue after the replay.
    app.rename(&user.token, "Dee 5").await;
    assert_eq!(socket.next_json().await["seq"], 5);
}

#[actix_web::test]
async fn a_browser_ticket_opens_a_socket_once() {
    let app = spawn_app().await;
    let user = app.new_user("Eli").await;
    let ticket = app.ws_ticket(&user.token).await;
    let url = format!("{}?ticket={ticket}", app.ws_address);

    let (stream, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    let mut socket = crate::helpers::WsClient { stream };
    let welcome = socket.next_json().await;
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(welcome["user_id"], user.id.as_str());

    let reused = tokio_tungstenite::connect_async(url.as_str()).await;
    let error = reused.expect_err("a used ticket must not open a second socket");
    assert!(error.to_string().contains("401"), "{error}");
}

#[actix_web::test]
async fn a_socket_without_credentials_is_refused() {
    let app = spawn_app().await;
    let refused = tokio_tungstenite::connect_async(app.ws_address.as_str()).await;
    assert!(refused.expect_err("no credentials").to_string().contains("401"));
}

#[actix_web::test]
async fn deleting_the_account_closes_its_sockets() {
    let app = spawn_app().await;
    let user = app.new_user("Flo").await;
    let mut socket = app.socket(&user.token).await;
    socket.send_json(json!({"type": "hello"})).await;
    assert_eq!(socket.next_json().await["type"], "hello.ok");

    assert_eq!(app.delete_me(&user.token).await.status(), 204);

    assert_eq!(socket.closed().await.as_deref(), Some("account deleted"));
}

#[actix_web::test]
async fn a_socket_that_sends_nothing_is_closed_when_idle() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.ws.heartbeat_interval_secs = 1;
        s.ws.idle_timeout_secs = 1;
    })
    .await;
    let user = app.new_user("Ivy").await;
    let mut socket = app.socket(&user.token).await;

    assert_eq!(socket.closed().await.as_deref(), Some("idle timeout"));
}
