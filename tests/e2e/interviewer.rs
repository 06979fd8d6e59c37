//! The guided Career Interviewer, offline (no model endpoint, the default): it
//! follows a story part by part, keeps a career record the user can see,
//! correct and delete ("What I know about you"), remembers across
//! conversations, titles conversations by their subject, and never lets one
//! user touch another's record. With an endpoint, the model is briefed with
//! the same record and plan.

use reqwest::Method;
use serde_json::{Value, json};

use crate::fake_openai::FakeOpenAi;
use crate::helpers::{TestApp, WsClient, spawn_app, spawn_app_with};
use crate::practice::call;

/// Sends a message and returns the finished reply's text.
async fn say(socket: &mut WsClient, client_id: &str, conversation: Option<&str>, text: &str) -> (String, String) {
    socket
        .send_json(json!({"type": "chat.send", "client_id": client_id, "conversation_id": conversation, "text": text}))
        .await;
    let mut conversation_id = String::new();
    loop {
        let frame = socket.next_json().await;
        match frame["type"].as_str() {
            Some("chat.ack") => conversation_id = frame["conversation_id"].as_str().unwrap().to_owned(),
            Some("chat.done") => return (conversation_id, frame["content"].as_str().unwrap().to_owned()),
            Some("chat.error") => panic!("the interviewer failed: {frame}"),
            _ => {}
        }
    }
}

async fn career(app: &TestApp, token: &str) -> Value {
    let (status, record) = call(app, token, Method::GET, "/api/v1/career", None).await;
    assert_eq!(status, 200, "{record}");
    record
}

fn item<'a>(record: &'a Value, kind: &str) -> Vec<&'a Value> {
    record["items"].as_array().unwrap().iter().filter(|i| i["kind"] == kind).collect()
}

#[actix_web::test]
async fn a_story_is_followed_part_by_part_and_what_the_user_said_is_kept() {
    let app = spawn_app().await;
    let user = app.new_user("Maya").await;
    let mut socket = app.socket(&user.token).await;

    let (conversation, first) = say(
        &mut socket,
        "i-1",
        None,
        "I'm a senior backend engineer at Acme Payments. Lately I led the migration of our billing system to Kubernetes.",
    )
    .await;
    assert!(first.contains("senior backend engineer"), "one concrete detail, said back: {first}");
    assert_eq!(first.matches('?').count(), 1, "one question: {first}");
    assert!(!first.contains("I'm a senior"), "never speaks as the user: {first}");

    let record = career(&app, &user.token).await;
    assert_eq!(item(&record, "role")[0]["text"], "senior backend engineer");
    assert_eq!(item(&record, "employer")[0]["text"], "Acme Payments");
    assert_eq!(item(&record, "skill")[0]["text"], "Kubernetes");
    assert_eq!(record["plan"]["story"], 1);
    assert_eq!(record["plan"]["next"], "task", "the situation is told; the task comes next");

    let (_, second) = say(&mut socket, "i-2", Some(&conversation), "My goal was zero downtime for the cutover.").await;
    assert!(second.contains("migration of your billing system"), "the planned question names the subject: {second}");
    let record = career(&app, &user.token).await;
    assert_eq!(record["plan"]["next"], "actions");

    let (_, conversations) = call(&app, &user.token, Method::GET, "/api/v1/conversations", None).await;
    assert_eq!(conversations["items"][0]["title"], "Migration of our billing system", "titled by its subject");

    // The interviewer's own words never enter the record.
    let messages: Value = app.messages(&user.token, &conversation).await.json().await.unwrap();
    let user_ids: Vec<&Value> =
        messages["items"].as_array().unwrap().iter().filter(|m| m["role"] == "user").map(|m| &m["id"]).collect();
    for fact in record["items"].as_array().unwrap() {
        assert!(user_ids.contains(&&fact["message_id"]), "{fact} comes from a user message");
    }
}

#[actix_web::test]
async fn what_the_user_said_is_remembered_in_a_new_conversation_and_a_correction_sticks() {
    let app = spawn_app().await;
    let user = app.new_user("Ines").await;
    let mut socket = app.socket(&user.token).await;
    say(&mut socket, "m-1", None, "I work as a charge nurse at St Anne's Hospital, on a ward of 30 beds.").await;

    let (_, created) = call(&app, &user.token, Method::POST, "/api/v1/conversations", None).await;
    let second = created["id"].as_str().unwrap();
    let (_, answer) = say(&mut socket, "m-2", Some(second), "Do you remember where I work?").await;
    assert!(answer.contains("St Anne's Hospital"), "{answer}");
    assert_eq!(answer.matches('?').count(), 1, "and the interview goes on: {answer}");

    let record = career(&app, &user.token).await;
    let employer = item(&record, "employer")[0]["id"].as_str().unwrap().to_owned();
    let item_path = format!("/api/v1/career/items/{employer}");
    let (status, corrected) =
        call(&app, &user.token, Method::PATCH, &item_path, Some(json!({"text": "  St Anne's University Hospital "}))).await;
    assert_eq!(status, 200);
    assert_eq!(corrected["text"], "St Anne's University Hospital");
    assert_eq!(corrected["edited"], true);

    let (_, answer) = say(&mut socket, "m-3", Some(second), "Remind me, which hospital did I say I work at?").await;
    assert!(answer.contains("St Anne's University Hospital"), "the correction is used: {answer}");

    for text in ["", "   ", &"x".repeat(301)] {
        let (status, body) = call(&app, &user.token, Method::PATCH, &item_path, Some(json!({ "text": text }))).await;
        assert_eq!(status, 422, "{text:?}");
        assert_eq!(body["error"]["code"], "validation_failed");
    }

    let (status, _) = call(&app, &user.token, Method::DELETE, &item_path, None).await;
    assert_eq!(status, 204);
    assert!(item(&career(&app, &user.token).await, "employer").is_empty());
}

#[actix_web::test]
async fn one_user_can_neither_see_nor_change_anothers_record() {
    let app = spawn_app().await;
    let owner = app.new_user("Olga").await;
    let intruder = app.new_user("Ivan").await;
    let mut socket = app.socket(&owner.token).await;
    say(&mut socket, "o-1", None, "I'm a maths teacher at Northfield Academy.").await;
    let record = career(&app, &owner.token).await;
    let id = item(&record, "employer")[0]["id"].as_str().unwrap().to_owned();

    assert!(career(&app, &intruder.token).await["items"].as_array().unwrap().is_empty());
    let path = format!("/api/v1/career/items/{id}");
    let (patched, _) = call(&app, &intruder.token, Method::PATCH, &path, Some(json!({"text": "Hacked"}))).await;
    assert_eq!(patched, 404);
    let (deleted, _) = call(&app, &intruder.token, Method::DELETE, &path, None).await;
    assert_eq!(deleted, 404);
    assert_eq!(career(&app, &owner.token).await["items"], record["items"], "nothing changed for the owner");
    let anonymous = app.client.get(app.url("/api/v1/career")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[actix_web::test]
async fn a_greeting_a_question_and_another_language_get_clear_answers() {
    let app = spawn_app().await;
    let user = app.new_user("Hal").await;
    let mut socket = app.socket(&user.token).await;

    let (conversation, hello) = say(&mut socket, "g-1", None, "hi").await;
    assert!(!hello.to_lowercase().contains("assist"), "{hello}");
    assert!(hello.ends_with('?') && hello.contains("you"), "{hello}");

    let (_, other) = say(&mut socket, "g-2", Some(&conversation), "Ich arbeite als Krankenschwester in Berlin.").await;
    assert!(other.contains("English"), "{other}");

    let (_, explained) = say(&mut socket, "g-3", Some(&conversation), "What do you mean by a story?").await;
    assert!(explained.contains("example"), "{explained}");
    assert!(career(&app, &user.token).await["items"].as_array().unwrap().is_empty(), "no facts from non-answers");
}

#[actix_web::test]
async fn with_a_model_endpoint_the_model_is_briefed_with_the_record_and_the_plan() {
    let fake = FakeOpenAi::start();
    let base_url = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.llm.base_url = base_url).await;
    let user = app.new_user("Rui").await;
    let mut socket = app.socket(&user.token).await;

    let (conversation, _) =
        say(&mut socket, "r-1", None, "I'm a product manager at Lumen Health and I launched the patient app.").await;
    say(&mut socket, "r-2", Some(&conversation), "We had 40% more weekly users after three months.").await;

    let requests = fake.requests();
    let sent = requests.last().unwrap()["messages"].as_array().unwrap().clone();
    let briefing = sent[1]["content"].as_str().unwrap();
    assert_eq!(sent[1]["role"], "system");
    assert!(briefing.contains("Lumen Health") && briefing.contains("product manager"), "{briefing}");
    assert!(briefing.contains("40%"), "{briefing}");
    assert_eq!(sent.last().unwrap()["content"], "We had 40% more weekly users after three months.");
}

#[actix_web::test]
async fn practice_questions_draw_on_the_story_told_in_the_chat() {
    let app = spawn_app().await;
    let user = app.new_user("Pia").await;
    let mut socket = app.socket(&user.token).await;
    say(&mut socket, "p-1", None, "I'm a staff engineer and I led the rewrite of our search service last year.").await;

    let session = crate::practice::create(&app, &user.token, json!({"job_title": "Staff Engineer", "interview_type": "behavioral"})).await;
    let id = session["id"].as_str().unwrap();
    let path = format!("/api/v1/practice/{id}/questions/generate");
    let (_, generated) = call(&app, &user.token, Method::POST, &path, Some(json!({"count": 4}))).await;
    let questions = generated["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 4);
    let own = questions.iter().find(|q| q["source"] == "record").expect("a question from the record");
    assert!(own["text"].as_str().unwrap().contains("rewrite of your search service"), "{own}");
}
