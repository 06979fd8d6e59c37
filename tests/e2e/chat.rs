//! The Career Interviewer chat: introduction, streamed replies, history,
//! idempotent sends, resume after reconnect, retries, outages and ownership,
//! against a real HTTP fake of the OpenAI API.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::fake_openai::{FakeOpenAi, Step};
use crate::helpers::{TestApp, WsClient, spawn_app, spawn_app_with};

/// A server whose chat model is the fake.
async fn app_with_model(fake: &FakeOpenAi) -> TestApp {
    let base_url = fake.base_url.clone();
    spawn_app_with(move |s| {
        s.llm.base_url = base_url;
        s.llm.retry_base_ms = 10;
        s.llm.max_retries = 2;
    })
    .await
}

/// Sends a message and collects frames until `chat.done` or `chat.error`.
async fn say(socket: &mut WsClient, client_id: &str, conversation: Option<&str>, text: &str) -> Vec<Value> {
    socket
        .send_json(json!({"type": "chat.send", "client_id": client_id, "conversation_id": conversation, "text": text}))
        .await;
    collect_reply(socket).await
}

async fn collect_reply(socket: &mut WsClient) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = socket.next_json().await;
        let end = frame["type"] == "chat.done" || frame["type"] == "chat.error";
        frames.push(frame);
        if end {
            return frames;
        }
    }
}

fn of_type<'a>(frames: &'a [Value], kind: &str) -> Vec<&'a Value> {
    frames.iter().filter(|f| f["type"] == kind).collect()
}

#[actix_web::test]
async fn a_new_conversation_opens_with_the_interviewers_introduction() {
    let app = spawn_app().await;
    let user = app.new_user("Ann").await;

    let created = app
        .client
        .post(app.url("/api/v1/conversations"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();

    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["messages"][0]["role"], "assistant");
    assert!(created["messages"][0]["content"].as_str().unwrap().contains("Career Interviewer"));
    let listed: Value = app.messages(&user.token, created["id"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["position"], 1);
}

#[actix_web::test]
async fn a_message_is_acknowledged_streamed_and_both_sides_are_stored() {
    let fake = FakeOpenAi::start();
    let app = app_with_model(&fake).await;
    let user = app.new_user("Bea").await;
    let mut socket = app.socket(&user.token).await;

    let frames = say(&mut socket, "c-1", None, "I led our move to Rust").await;

    let ack = of_type(&frames, "chat.ack")[0];
    assert_eq!(frames[0]["type"], "chat.ack", "the ack comes first");
    let conversation = ack["conversation_id"].as_str().unwrap();
    let deltas = of_type(&frames, "chat.delta");
    assert!(deltas.len() > 3, "the reply streams in pieces");
    let seqs: Vec<u64> = deltas.iter().map(|d| d["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=deltas.len() as u64).collect::<Vec<_>>());
    let streamed: String = deltas.iter().map(|d| d["text"].as_str().unwrap()).collect();
    let done = frames.last().unwrap();
    assert_eq!(done["type"], "chat.done");
    assert_eq!(done["content"], streamed);
    assert_eq!(done["reply_to"], ack["message_id"]);
    assert!(deltas.iter().all(|d| d["reply_to"] == ack["message_id"]));
    assert_eq!(streamed, "You said: I led our move to Rust. What impact did that have?");

    let listed: Value = app.messages(&user.token, conversation).await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap();
    let roles: Vec<&str> = items.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["assistant", "user", "assistant"]);
    assert_eq!(items[1]["id"], ack["message_id"]);
    assert_eq!(items[1]["client_id"], "c-1");
    assert_eq!(items[2]["id"], done["message_id"]);
    assert_eq!(items[2]["reply_to"], ack["message_id"]);

    // The model saw the persona, the introduction and the message.
    let request = &fake.requests()[0];
    let sent = request["messages"].as_array().unwrap();
    assert_eq!(sent[0]["role"], "system");
    assert!(sent[0]["content"].as_str().unwrap().contains("Career Interviewer"));
    assert_eq!(sent.last().unwrap()["content"], "I led our move to Rust");
    assert!(sent.iter().any(|m| m["role"] == "assistant"), "the introduction is context");
}

#[actix_web::test]
async fn the_model_keeps_the_context_of_earlier_turns() {
    let fake = FakeOpenAi::start();
    let app = app_with_model(&fake).await;
    let user = app.new_user("Cal").await;
    let mut socket = app.socket(&user.token).await;
    let first = say(&mut socket, "k-1", None, "I run the payments team").await;
    let conversation = first[0]["conversation_id"].as_str().unwrap().to_owned();

    say(&mut socket, "k-2", Some(&conversation), "We cut failed payments by half").await;

    let sent = fake.requests()[1]["messages"].as_array().unwrap().clone();
    let contents: Vec<&str> = sent.iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert!(contents.contains(&"I run the payments team"));
    assert_eq!(contents.last(), Some(&"We cut failed payments by half"));
}

#[actix_web::test]
async fn resending_a_client_id_gives_one_message_and_one_reply() {
    let fake = FakeOpenAi::start();
    let app = app_with_model(&fake).await;
    let user = app.new_user("Dan").await;
    let mut socket = app.socket(&user.token).await;
    let first = say(&mut socket, "same-id", None, "Hello").await;
    let conversation = first[0]["conversation_id"].as_str().unwrap();

    let again = say(&mut socket, "same-id", None, "Hello").await;

    assert_eq!(again[0]["type"], "chat.ack");
    assert_eq!(again[0]["message_id"], first[0]["message_id"]);
    assert_eq!(again[0]["conversation_id"], conversation);
    assert_eq!(again.last().unwrap()["content"], first.last().unwrap()["content"]);
    assert!(of_type(&again, "chat.delta").is_empty(), "nothing is generated again");
    assert_eq!(fake.requests().len(), 1);
    let listed: Value = app.messages(&user.token, conversation).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn a_reconnect_mid_reply_resumes_from_seq_without_gap_or_duplicate() {
    let fake = FakeOpenAi::start();
    let gate = Arc::new(Notify::new());
    fake.then(Step::Paused {
        before: vec!["One ", "two ", "three "],
        gate: Arc::clone(&gate),
        after: vec!["four ", "five."],
    });
    let app = app_with_model(&fake).await;
    let user = app.new_user("Eve").await;
    let mut first = app.socket(&user.token).await;
    first.send_json(json!({"type": "chat.send", "client_id": "r-1", "text": "Tell me"})).await;
    let mut message_id = String::new();
    let mut seen = 0;
    while seen < 3 {
        let frame = first.next_json().await;
        if frame["type"] == "chat.delta" {
            seen = frame["seq"].as_u64().unwrap();
            message_id = frame["message_id"].as_str().unwrap().to_owned();
        }
    }
    drop(first);

    let mut second = app.socket(&user.token).await;
    second.send_json(json!({"type": "chat.resume", "message_id": message_id, "from_seq": 4})).await;
    gate.notify_one();
    let frames = collect_reply(&mut second).await;

    let deltas = of_type(&frames, "chat.delta");
    let seqs: Vec<u64> = deltas.iter().map(|d| d["seq"].as_u64().unwrap()).collect();
    let texts: Vec<&str> = deltas.iter().map(|d| d["text"].as_str().unwrap()).collect();
    assert_eq!(seqs, [4, 5]);
    assert_eq!(texts, ["four ", "five."]);
    assert_eq!(frames.last().unwrap()["content"], "One two three four five.");

    // Resuming a finished reply answers with chat.done.
    second.send_json(json!({"type": "chat.resume", "message_id": message_id, "from_seq": 2})).await;
    let done = second.next_json().await;
    assert_eq!(done["type"], "chat.done");
    assert_eq!(done["content"], "One two three four five.");
}

#[actix_web::test]
async fn a_rate_limited_model_is_retried_transparently() {
    let fake = FakeOpenAi::start();
    fake.then(Step::Status(429)).then(Step::Reply(vec!["Hello ", "again."]));
    let app = app_with_model(&fake).await;
    let user = app.new_user("Fay").await;
    let mut socket = app.socket(&user.token).await;

    let frames = say(&mut socket, "t-1", None, "Hi").await;

    assert_eq!(frames.last().unwrap()["type"], "chat.done");
    assert_eq!(frames.last().unwrap()["content"], "Hello again.");
    assert_eq!(fake.requests().len(), 2);
}

#[actix_web::test]
async fn a_model_outage_gives_chat_error_keeps_the_message_and_a_retry_answers_it() {
    let fake = FakeOpenAi::start();
    for _ in 0..3 {
        fake.then(Step::Status(503));
    }
    let app = app_with_model(&fake).await;
    let user = app.new_user("Gil").await;
    let mut socket = app.socket(&user.token).await;

    let frames = say(&mut socket, "o-1", None, "Are you there?").await;

    let error = frames.last().unwrap();
    assert_eq!(error["type"], "chat.error");
    assert_eq!(error["client_id"], "o-1");
    assert_eq!(error["error"]["code"], "model_unavailable");
    let conversation = frames[0]["conversation_id"].as_str().unwrap();
    let listed: Value = app.messages(&user.token, conversation).await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "introduction and the kept user message");
    assert_eq!(items[1]["content"], "Are you there?");

    // The model is back; sending the same client_id again gets the reply.
    let retried = say(&mut socket, "o-1", Some(conversation), "Are you there?").await;
    assert_eq!(retried.last().unwrap()["type"], "chat.done");
    let listed: Value = app.messages(&user.token, conversation).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn one_user_cannot_read_write_or_delete_anothers_conversation() {
    let fake = FakeOpenAi::start();
    let app = app_with_model(&fake).await;
    let owner = app.new_user("Hal").await;
    let intruder = app.new_user("Ike").await;
    let mut socket = app.socket(&owner.token).await;
    let frames = say(&mut socket, "p-1", None, "Private thoughts").await;
    let conversation = frames[0]["conversation_id"].as_str().unwrap();

    assert_eq!(app.messages(&intruder.token, conversation).await.status(), 404);
    let delete = app
        .client
        .delete(app.url(&format!("/api/v1/conversations/{conversation}")))
        .bearer_auth(&intruder.token)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 404);
    let mut intruders = app.socket(&intruder.token).await;
    let answer = say(&mut intruders, "x-1", Some(conversation), "Let me in").await;
    assert_eq!(answer[0]["type"], "chat.error");
    assert_eq!(answer[0]["error"]["code"], "not_found");
    let list: Value = app
        .client
        .get(app.url("/api/v1/conversations"))
        .bearer_auth(&intruder.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());

    let listed: Value = app.messages(&owner.token, conversation).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 3, "nothing changed for the owner");
}

#[actix_web::test]
async fn conversations_list_newest_first_and_messages_page_both_ways() {
    let app = spawn_app().await;
    let user = app.new_user("Jo").await;
    let mut ids = Vec::new();
    for title in ["first", "second", "third"] {
        let created: Value = app
            .client
            .post(app.url("/api/v1/conversations"))
            .bearer_auth(&user.token)
            .json(&json!({ "title": title }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(created["id"].as_str().unwrap().to_owned());
    }

    let page = |cursor: Option<String>| {
        let mut url = app.url("/api/v1/conversations?limit=2");
        if let Some(cursor) = cursor {
            url.push_str(&format!("&cursor={}", urlencode(&cursor)));
        }
        let request = app.client.get(url).bearer_auth(&user.token);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let first = page(None).await;
    let titles: Vec<&str> = first["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["third", "second"]);
    let second = page(first["next_cursor"].as_str().map(str::to_owned)).await;
    assert_eq!(second["items"][0]["title"], "first");
    assert!(second["next_cursor"].is_null());

    // Messages: the fallback interviewer answers, giving 5 messages.
    let mut socket = app.socket(&user.token).await;
    say(&mut socket, "m-1", Some(&ids[0]), "I build data pipelines").await;
    say(&mut socket, "m-2", Some(&ids[0]), "Mostly in Rust").await;
    let get = |query: &str| {
        let request = app
            .client
            .get(app.url(&format!("/api/v1/conversations/{}/messages?{query}", ids[0])))
            .bearer_auth(&user.token);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let positions = |page: &Value| -> Vec<u64> {
        page["items"].as_array().unwrap().iter().map(|m| m["position"].as_u64().unwrap()).collect()
    };
    let oldest = get("limit=2").await;
    assert_eq!(positions(&oldest), [1, 2]);
    let next = get(&format!("limit=2&after={}", oldest["next_cursor"].as_str().unwrap())).await;
    assert_eq!(positions(&next), [3, 4]);
    let before = get("limit=2&before=5").await;
    assert_eq!(positions(&before), [3, 4]);
    let earlier = get(&format!("limit=2&before={}", before["prev_cursor"].as_str().unwrap())).await;
    assert_eq!(positions(&earlier), [1, 2]);
    assert!(earlier["prev_cursor"].is_null());
}

fn urlencode(text: &str) -> String {
    text.replace(':', "%3A").replace('+', "%2B")
}

#[actix_web::test]
async fn without_a_model_the_labelled_rule_based_interviewer_answers() {
    let app = spawn_app().await;
    let user = app.new_user("Kim").await;
    let models: Value = app.get("/api/v1/models").await.json().await.unwrap();
    assert_eq!(models["chat"]["kind"], "fallback");
    assert!(models["chat"]["name"].as_str().unwrap().contains("rule-based"));
    let mut socket = app.socket(&user.token).await;

    let frames = say(&mut socket, "f-1", None, "I led a team of five engineers").await;

    let done = frames.last().unwrap();
    assert_eq!(done["type"], "chat.done");
    assert!(done["content"].as_str().unwrap().ends_with('?'));
}

#[actix_web::test]
async fn every_open_tab_sees_the_same_stream() {
    let fake = FakeOpenAi::start();
    let app = app_with_model(&fake).await;
    let user = app.new_user("Lea").await;
    let mut sender = app.socket(&user.token).await;
    let mut watcher = app.socket(&user.token).await;
    watcher.send_json(json!({"type": "ping"})).await;
    assert_eq!(watcher.next_json().await["type"], "pong");

    let sent = say(&mut sender, "w-1", None, "Same for both").await;
    let seen = collect_reply(&mut watcher).await;

    assert_eq!(seen[0]["type"], "chat.message", "the other tab sees the user message");
    assert_eq!(seen[0]["message"]["content"], "Same for both");
    assert_eq!(seen.last().unwrap()["content"], sent.last().unwrap()["content"]);
}

#[actix_web::test]
async fn empty_or_oversized_messages_are_refused_clearly() {
    let app = spawn_app_with(|s| s.chat.max_message_chars = 10).await;
    let user = app.new_user("Max").await;
    let mut socket = app.socket(&user.token).await;

    for text in ["   ", "far too long for the limit"] {
        socket.send_json(json!({"type": "chat.send", "client_id": "v-1", "text": text})).await;
        let answer = socket.next_json().await;
        assert_eq!(answer["type"], "chat.error");
        assert_eq!(answer["error"]["code"], "validation_failed");
    }
}

#[actix_web::test]
async fn sending_too_fast_is_rate_limited_with_a_time_to_wait() {
    let app = spawn_app_with(|s| s.chat.messages_per_minute = 2).await;
    let user = app.new_user("Ned").await;
    let mut socket = app.socket(&user.token).await;
    let first = say(&mut socket, "rl-1", None, "One").await;
    let conversation = first[0]["conversation_id"].as_str().unwrap();
    say(&mut socket, "rl-2", Some(conversation), "Two").await;

    let limited = say(&mut socket, "rl-3", Some(conversation), "Three").await;

    let error = &limited[0];
    assert_eq!(error["type"], "chat.error");
    assert_eq!(error["client_id"], "rl-3");
    assert_eq!(error["error"]["code"], "rate_limited");
    assert!(error["error"]["details"]["retry_after_secs"].as_u64().unwrap() >= 1);
}
