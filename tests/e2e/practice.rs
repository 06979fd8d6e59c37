//! Practice sessions end to end: the status machine, ordered questions from
//! the offline bank and from a model, batched answers, coaching streamed over
//! the socket, feedback, history, ownership, drills, and the comparison of a
//! session with a recorded interview of the same script.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::analysis::{finished, quiet_wav, upload, verbose_json_of};
use crate::fake_openai::{FakeOpenAi, Step};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Calls the API as `token` and returns the status and JSON body (Null when empty).
pub async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let method_path = format!("{method} {path}");
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method_path}: {status} {text:?}: {e}")) };
    (status, body)
}

/// Creates a session and returns it.
pub async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, session) = call(app, token, Method::POST, "/api/v1/practice", Some(body)).await;
    assert_eq!(status, 201, "{session}");
    session
}

pub async fn generate(app: &TestApp, token: &str, id: &str, count: usize) -> Value {
    let (status, session) =
        call(app, token, Method::POST, &format!("/api/v1/practice/{id}/questions/generate"), Some(json!({"count": count}))).await;
    assert_eq!(status, 200, "{session}");
    session
}

fn question_ids(session: &Value) -> Vec<String> {
    session["questions"].as_array().unwrap().iter().map(|q| q["id"].as_str().unwrap().to_owned()).collect()
}

fn texts(session: &Value) -> Vec<String> {
    session["questions"].as_array().unwrap().iter().map(|q| q["text"].as_str().unwrap().to_owned()).collect()
}

const STORY: &str = "Last year our checkout kept failing during sales. My goal was to make it reliable before \
    Black Friday. I built load tests and I led the rollout of a write queue. As a result, errors fell by 80 percent.";

#[actix_web::test]
async fn a_session_goes_from_draft_to_in_progress_to_completed_and_refuses_illegal_steps() {
    let app = spawn_app().await;
    let user = app.new_user("Priya").await;
    let session = create(
        &app,
        &user.token,
        json!({"job_title": "Backend Engineer", "company": "Acme", "interview_type": "behavioral",
               "resume_url": "https://example.com/cv.pdf"}),
    )
    .await;
    assert_eq!(session["status"], "draft");
    assert_eq!(session["resume_url"], "https://example.com/cv.pdf");
    let id = session["id"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/practice/{id}{tail}");

    // Completing a draft is illegal.
    let (status, error) = call(&app, &user.token, Method::POST, &path("/complete"), None).await;
    assert_eq!((status, error["error"]["code"].as_str()), (409, Some("illegal_transition")), "{error}");

    // Generated questions come in order.
    let session = generate(&app, &user.token, &id, 5).await;
    let questions = session["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 5);
    for (i, q) in questions.iter().enumerate() {
        assert_eq!(q["order"], i + 1);
        assert!(!q["text"].as_str().unwrap().is_empty() && !q["category"].as_str().unwrap().is_empty(), "{q}");
    }
    let ids = question_ids(&session);

    // Two answers in one batch start the session; one is then overwritten.
    let (status, session) = call(
        &app,
        &user.token,
        Method::PUT,
        &path("/answers"),
        Some(json!({"answers": [{"question_id": ids[1], "text": "First draft."}, {"question_id": ids[0], "text": STORY}]})),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["status"], "in_progress");
    assert_eq!(session["answered_count"], 2);
    assert_eq!(session["answers"][0]["question_id"], ids[0].as_str(), "answers follow the question order");
    assert_eq!(session["answers"][0]["metrics"]["star_score"], 100, "{}", session["answers"][0]);
    let (_, session) = call(
        &app,
        &user.token,
        Method::PUT,
        &path("/answers"),
        Some(json!({"answers": [{"question_id": ids[1], "text": "A better second answer."}]})),
    )
    .await;
    assert_eq!(session["answered_count"], 2);
    assert_eq!(session["answers"][1]["text"], "A better second answer.");

    // Generating again once answering started is illegal; an unknown question is refused.
    let (status, _) = call(&app, &user.token, Method::POST, &path("/questions/generate"), None).await;
    assert_eq!(status, 409);
    let (status, error) = call(
        &app,
        &user.token,
        Method::PUT,
        &path("/answers"),
        Some(json!({"answers": [{"question_id": "nope", "text": "x"}]})),
    )
    .await;
    assert_eq!(status, 422, "{error}");

    // Completing with unanswered questions names them.
    let (status, error) = call(&app, &user.token, Method::POST, &path("/complete"), None).await;
    assert_eq!((status, error["error"]["code"].as_str()), (409, Some("questions_unanswered")), "{error}");
    assert_eq!(error["error"]["details"]["unanswered"], json!(ids[2..]));

    let rest: Vec<Value> = ids[2..].iter().map(|q| json!({"question_id": q, "text": STORY})).collect();
    let (status, _) = call(&app, &user.token, Method::PUT, &path("/answers"), Some(json!({"answers": rest}))).await;
    assert_eq!(status, 200);
    let (status, completed) = call(&app, &user.token, Method::POST, &path("/complete"), None).await;
    assert_eq!(status, 200, "{completed}");
    assert_eq!(completed["status"], "completed");
    assert!(completed["completed_at"].is_string());
    let feedback = &completed["feedback"];
    assert!((1..=5).contains(&feedback["rating"].as_u64().unwrap()), "{feedback}");
    assert!(feedback["strengths"].is_array() && feedback["improvements"].is_array() && feedback["detail"].is_string());

    // Stored in structure, exactly as returned.
    let (_, read) = call(&app, &user.token, Method::GET, &path(""), None).await;
    assert_eq!(read["feedback"], completed["feedback"]);
    assert_eq!(read["answers"], completed["answers"]);

    // A completed session takes no more answers, questions or completion…
    for (method, tail, body) in [
        (Method::PUT, "/answers", Some(json!({"answers": [{"question_id": ids[0], "text": "late"}]}))),
        (Method::PUT, "/questions", Some(json!({"questions": [{"text": "New?"}]}))),
        (Method::POST, "/complete", None),
    ] {
        let (status, error) = call(&app, &user.token, method, &path(tail), body).await;
        assert_eq!((status, error["error"]["code"].as_str()), (409, Some("illegal_transition")), "{tail}: {error}");
    }
    // …but its feedback can be regenerated and edited.
    let (status, regenerated) = call(&app, &user.token, Method::POST, &path("/feedback/regenerate"), None).await;
    assert_eq!(status, 200);
    assert_eq!(regenerated["feedback"]["rating"], completed["feedback"]["rating"]);
    let edit = json!({"rating": 4, "strengths": ["Clear stories"], "improvements": ["Slow down"], "detail": "My own notes."});
    let (status, edited) = call(&app, &user.token, Method::PUT, &path("/feedback"), Some(edit)).await;
    assert_eq!(status, 200);
    assert_eq!(edited["feedback"]["source"], "user");
    assert_eq!(edited["feedback"]["strengths"], json!(["Clear stories"]));
    let bad = json!({"rating": 9, "strengths": [], "improvements": [], "detail": ""});
    let (status, _) = call(&app, &user.token, Method::PUT, &path("/feedback"), Some(bad)).await;
    assert_eq!(status, 422);
    let (_, read) = call(&app, &user.token, Method::GET, &path(""), None).await;
    assert_eq!(read["feedback"]["detail"], "My own notes.", "a refused edit changes nothing");
}

#[actix_web::test]
async fn bad_input_is_refused_by_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let user = app.new_user("Ken").await;
    for (body, field) in [
        (json!({"job_title": "  ", "interview_type": "behavioral"}), "job_title"),
        (json!({"job_title": "SRE", "interview_type": "casual"}), "interview_type"),
        (json!({"job_title": "SRE", "interview_type": "phone", "resume_url": "file:///etc/passwd"}), "resume_url"),
        (json!({"job_title": "x".repeat(201), "interview_type": "phone"}), "job_title"),
    ] {
        let (status, error) = call(&app, &user.token, Method::POST, "/api/v1/practice", Some(body)).await;
        assert_eq!((status, error["error"]["details"]["field"].as_str()), (422, Some(field)), "{error}");
    }
    let (status, _) = call(&app, &user.token, Method::POST, "/api/v1/practice", Some(json!({"job_title": 3}))).await;
    assert_eq!(status, 400);
    let (_, page) = call(&app, &user.token, Method::GET, "/api/v1/practice", None).await;
    assert_eq!(page["items"], json!([]));
    let session = create(&app, &user.token, json!({"job_title": "SRE", "interview_type": "technical"})).await;
    let id = session["id"].as_str().unwrap();
    let (status, _) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/questions/generate"), Some(json!({"count": 0}))).await;
    assert_eq!(status, 422);
}

#[actix_web::test]
async fn offline_questions_fit_three_different_roles() {
    let app = spawn_app().await;
    let user = app.new_user("Ana").await;
    let roles = [
        json!({"job_title": "Senior Software Engineer", "company": "Acme", "interview_type": "technical",
               "job_description": "You will run our Rust services on Kubernetes and tune PostgreSQL."}),
        json!({"job_title": "Product Manager", "company": "Globex", "interview_type": "behavioral",
               "job_description": "Own the roadmap, work with stakeholders and run A/B testing."}),
        json!({"job_title": "Registered Nurse", "interview_type": "panel"}),
    ];
    let mut sets = Vec::new();
    for role in roles {
        let session = create(&app, &user.token, role).await;
        let session = generate(&app, &user.token, session["id"].as_str().unwrap(), 6).await;
        assert_eq!(session["questions"].as_array().unwrap().len(), 6);
        sets.push(texts(&session));
    }
    let all = |i: usize| sets[i].join(" ").to_lowercase();
    assert!(all(0).contains("kubernetes") || all(0).contains("rust"), "the job description's skills: {:?}", sets[0]);
    assert!(sets[0][0].contains("Acme"), "the opener names the company: {}", sets[0][0]);
    assert!(all(1).contains("product") || all(1).contains("roadmap") || all(1).contains("stakeholder"), "{:?}", sets[1]);
    assert!(all(2).contains("patient") || all(2).contains("nurs") || all(2).contains("care"), "{:?}", sets[2]);
    for (a, b) in [(0, 1), (0, 2), (1, 2)] {
        let shared = sets[a].iter().filter(|q| sets[b].contains(q)).count();
        assert!(shared <= 1, "roles {a} and {b} share {shared} questions");
    }
}

#[actix_web::test]
async fn questions_can_be_edited_reordered_added_and_removed_keeping_their_answers() {
    let app = spawn_app().await;
    let user = app.new_user("Tom").await;
    let session = create(&app, &user.token, json!({"job_title": "Designer", "interview_type": "phone"})).await;
    let id = session["id"].as_str().unwrap();
    let session = generate(&app, &user.token, id, 3).await;
    let ids = question_ids(&session);
    call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/answers"),
        Some(json!({"answers": [{"question_id": ids[2], "text": "Kept."}, {"question_id": ids[1], "text": "Dropped."}]}))).await;
    let (status, edited) = call(
        &app,
        &user.token,
        Method::PUT,
        &format!("/api/v1/practice/{id}/questions"),
        Some(json!({"questions": [
            {"id": ids[2], "text": "Reworded third question?"},
            {"text": "What is your design process?", "category": "technical"},
            {"id": ids[0], "text": session["questions"][0]["text"]},
        ]})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(texts(&edited)[0], "Reworded third question?");
    assert_eq!(edited["questions"][1]["source"], "user");
    assert_eq!(edited["questions"][2]["order"], 3);
    assert_eq!(edited["answers"].as_array().unwrap().len(), 1, "the removed question's answer went");
    assert_eq!(edited["answers"][0]["text"], "Kept.");
    let (status, _) = call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/questions"),
        Some(json!({"questions": [{"id": "unknown", "text": "x?"}]}))).await;
    assert_eq!(status, 422);
}

#[actix_web::test]
async fn history_is_newest_first_in_cursor_pages_and_private_to_its_owner() {
    let app = spawn_app().await;
    let user = app.new_user("Lin").await;
    let mut created = Vec::new();
    for i in 0..5 {
        let session = create(&app, &user.token, json!({"job_title": format!("Role {i}"), "interview_type": "phone"})).await;
        created.push(session["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/practice?limit=2&cursor={}", urlencoding(c)),
            None => "/api/v1/practice?limit=2".to_owned(),
        };
        let (status, page) = call(&app, &user.token, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(page["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    created.reverse();
    assert_eq!(seen, created, "newest first, each once");

    let stranger = app.new_user("Stranger").await;
    let id = &created[0];
    for (method, tail, body) in [
        (Method::GET, "", None),
        (Method::DELETE, "", None),
        (Method::POST, "/questions/generate", None),
        (Method::PUT, "/answers", Some(json!({"answers": [{"question_id": "q", "text": "x"}]}))),
        (Method::POST, "/complete", None),
        (Method::POST, "/questions/q/coach", Some(json!({"text": "x"}))),
    ] {
        let (status, _) = call(&app, &stranger.token, method.clone(), &format!("/api/v1/practice/{id}{tail}"), body).await;
        assert_eq!(status, 404, "{method} {tail}");
    }
    let (_, page) = call(&app, &stranger.token, Method::GET, "/api/v1/practice", None).await;
    assert_eq!(page["items"], json!([]));

    let (status, _) = call(&app, &user.token, Method::DELETE, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(app.delete_me(&user.token).await.status(), 204);
}

fn urlencoding(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

/// Collects one coaching stream from the socket: the deltas' text and the `done` frame.
pub async fn coaching(socket: &mut crate::helpers::WsClient, stream_id: &str) -> (String, Value) {
    let mut text = String::new();
    let mut next_seq = 1;
    loop {
        let frame = socket.next_json().await;
        if frame["stream_id"] != stream_id {
            continue;
        }
        match frame["type"].as_str().unwrap() {
            "practice.feedback.delta" => {
                assert_eq!(frame["seq"], next_seq, "pieces arrive in order");
                next_seq += 1;
                text.push_str(frame["text"].as_str().unwrap());
            }
            "practice.feedback.done" => return (text, frame),
            other => panic!("unexpected {other}: {frame}"),
        }
    }
}

#[actix_web::test]
async fn answering_a_question_streams_coaching_over_the_socket_and_stores_it() {
    let app = spawn_app().await;
    let user = app.new_user("Zoe").await;
    let session = create(&app, &user.token, json!({"job_title": "Engineering Manager", "interview_type": "behavioral"})).await;
    let id = session["id"].as_str().unwrap();
    let session = generate(&app, &user.token, id, 3).await;
    let question = question_ids(&session)[1].clone();
    let mut socket = app.socket(&user.token).await;

    let answer = "Um, I think we sort of fixed the team's process, like, together.";
    let (status, accepted) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/questions/{question}/coach"),
        Some(json!({"text": answer}))).await;
    assert_eq!(status, 202, "{accepted}");
    let (streamed, done) = coaching(&mut socket, accepted["stream_id"].as_str().unwrap()).await;
    let feedback = &done["feedback"];
    assert!(streamed.starts_with(&format!("Rating: {}/5", feedback["rating"])), "{streamed}");
    assert_eq!(feedback["source"], "rules");
    assert!(done["metrics"]["fillers"].as_u64().unwrap() >= 2 && done["metrics"]["hedges"].as_u64().unwrap() >= 1, "{done}");
    let improvements = feedback["improvements"].to_string();
    assert!(improvements.contains("Finish with the result") && improvements.contains("number"), "{improvements}");
    assert_eq!(feedback["suggested_structure"].as_array().unwrap().len(), 4);

    // The answer and its coaching are stored; the session has started.
    let (_, read) = call(&app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(read["status"], "in_progress");
    assert_eq!(read["answers"][0]["text"], answer);
    assert_eq!(read["answers"][0]["feedback"], *feedback);
    // Overwriting the answer drops the coaching of the old one.
    call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/answers"),
        Some(json!({"answers": [{"question_id": question, "text": STORY}]}))).await;
    let (_, read) = call(&app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert!(read["answers"][0]["feedback"].is_null());
    let (status, _) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/questions/nope/coach"),
        Some(json!({"text": "x"}))).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn with_a_model_configured_questions_and_coaching_come_from_it() {
    let fake = FakeOpenAi::start();
    fake.then(Step::Reply(vec![
        "[{\"text\": \"How would you shard a multi-tenant Postgres database?\", \"category\": \"technical\"},",
        " {\"text\": \"Hi\", \"category\": \"technical\"}]",
    ]));
    fake.then(Step::Reply(vec!["Strong ", "start. ", "Add the result."]));
    fake.then(Step::Reply(vec!["You explain designs ", "clearly; quantify results next."]));
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| s.llm.base_url = base).await;
    let user = app.new_user("Ivy").await;
    let session = create(&app, &user.token, json!({"job_title": "Backend Engineer", "interview_type": "technical"})).await;
    let id = session["id"].as_str().unwrap();
    let session = generate(&app, &user.token, id, 3).await;
    let questions = session["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 3, "the model's one valid question, topped up from the bank");
    assert_eq!(questions[0]["source"], "model");
    assert_eq!(questions[0]["text"], "How would you shard a multi-tenant Postgres database?");
    assert!(questions[1..].iter().all(|q| q["source"] != "model"), "{questions:?}");

    let mut socket = app.socket(&user.token).await;
    let question = questions[0]["id"].as_str().unwrap();
    let (_, accepted) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/questions/{question}/coach"),
        Some(json!({"text": "By tenant id with a routing table."}))).await;
    let (streamed, done) = coaching(&mut socket, accepted["stream_id"].as_str().unwrap()).await;
    assert_eq!(streamed, "Strong start. Add the result.");
    assert_eq!(done["feedback"]["source"], "model");
    assert_eq!(done["feedback"]["detail"], "Strong start. Add the result.");

    // The model also sums up the session; the measured parts stay the rules'.
    let rest: Vec<Value> = questions[1..].iter().map(|q| json!({"question_id": q["id"], "text": STORY})).collect();
    call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/answers"), Some(json!({"answers": rest}))).await;
    let (status, completed) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/complete"), None).await;
    assert_eq!(status, 200, "{completed}");
    assert_eq!(completed["feedback"]["source"], "model");
    assert_eq!(completed["feedback"]["detail"], "You explain designs clearly; quantify results next.");
    assert!(!completed["feedback"]["strengths"].as_array().unwrap().is_empty(), "the rules' strengths stay");
    let (_, read) = call(&app, &user.token, Method::GET, &format!("/api/v1/practice/{id}"), None).await;
    assert_eq!(read["feedback"], completed["feedback"]);
    let prompt = fake.requests().last().unwrap().to_string();
    assert!(prompt.contains("How would you shard a multi-tenant Postgres database?"), "the questions go to the model");
}

#[actix_web::test]
async fn a_drill_targets_the_weakest_skills() {
    let app = spawn_app().await;
    let user = app.new_user("Raj").await;
    let session = create(&app, &user.token, json!({"job_title": "Sales Manager", "interview_type": "behavioral"})).await;
    let id = session["id"].as_str().unwrap();
    let session = generate(&app, &user.token, id, 3).await;
    let answers: Vec<Value> = question_ids(&session)
        .iter()
        .map(|q| json!({"question_id": q, "text": "I think I maybe helped the team a bit, sort of."}))
        .collect();
    call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/answers"), Some(json!({"answers": answers}))).await;
    let (status, drill) = call(&app, &user.token, Method::POST, "/api/v1/practice/drills", Some(json!({"count": 4}))).await;
    assert_eq!(status, 201, "{drill}");
    assert_eq!(drill["status"], "draft");
    assert_eq!(drill["job_title"], "Sales Manager");
    let focus: Vec<&str> = drill["focus"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(focus.contains(&"storytelling") && focus.contains(&"impact") && focus.contains(&"confidence"), "{focus:?}");
    let questions = drill["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 4);
    assert!(questions.iter().all(|q| q["source"] == "drill" && focus.contains(&q["skill"].as_str().unwrap())), "{questions:?}");
}

/// The practised script: four questions and the answers typed in practice.
const PRACTISED: [(&str, &str); 4] = [
    ("Tell me about a time you led a project under a tight deadline.",
     "Last year our launch moved up two weeks. My goal was to ship the billing page. I split the work and I paired with QA daily. As a result we shipped on time."),
    ("Describe a conflict with a colleague and how you resolved it.",
     "Um, I think we disagreed about, like, the design. We talked."),
    ("Tell me about a time you failed and what you learned.",
     "At my previous job I missed a deadline. I was responsible for the migration. I decided to write a plan. In the end I learned to estimate."),
    ("Why do you want to work for our company?", "I love your product and your mission."),
];

#[actix_web::test]
async fn a_recording_of_the_practised_interview_with_one_question_swapped_reports_that_one_unexpected() {
    let models = crate::models::fixtures().await;
    let fake = FakeOpenAi::start();
    // The interview asks three practised questions (reworded) and one that was not practised.
    fake.transcribe_as(verbose_json_of(&[
        (0.0, 3.0, "Tell me about a time you led a project with a tight deadline?"),
        (3.5, 12.0, "Last year our launch moved up by two weeks. My goal was to ship the billing page. I split the work and I paired with QA every day. As a result we shipped on time, with zero bugs."),
        (13.0, 16.0, "How do you prioritise your work when everything is urgent?"),
        (16.5, 22.0, "I rank tasks by impact and I talk to my manager early."),
        (23.0, 26.0, "Can you describe a conflict with a colleague and how you resolved it?"),
        (26.5, 34.0, "Last year a colleague and I disagreed on the design. I met with her and we agreed on a test. As a result we picked the faster option."),
        (35.0, 38.0, "Tell me about a time you failed and what you learned?"),
        (38.5, 44.0, "At my previous job I missed a deadline and I learned to estimate."),
    ]));
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| {
        s.transcription.base_url = base;
        s.models.dir = models;
        s.models.embed = "all-minilm-l6-v2".into();
    })
    .await;
    let user = app.new_user("Maya").await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while app.get("/api/v1/models").await.json::<Value>().await.unwrap()["embeddings"]["kind"] != "local" {
        assert!(Instant::now() < deadline, "the embedding model did not load");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Practice: the four questions, answered.
    let session = create(&app, &user.token, json!({"job_title": "Engineering Manager", "interview_type": "behavioral"})).await;
    let practice_id = session["id"].as_str().unwrap().to_owned();
    let questions: Vec<Value> = PRACTISED.iter().map(|(q, _)| json!({"text": q, "category": "behavioral"})).collect();
    let (_, session) = call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{practice_id}/questions"),
        Some(json!({"questions": questions}))).await;
    let ids = question_ids(&session);
    let answers: Vec<Value> = ids.iter().zip(PRACTISED).map(|(id, (_, a))| json!({"question_id": id, "text": a})).collect();
    call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{practice_id}/answers"), Some(json!({"answers": answers}))).await;

    // The recording is linked at upload time.
    let id = upload(&app, &user.token, "onsite.wav", "audio/wav", quiet_wav(44.0), &[("practice_id", practice_id.as_str())]).await;
    let interview = finished(&app, &user.token, &id).await;
    assert_eq!(interview["status"], "completed", "{interview}");
    assert_eq!(interview["practice_id"], practice_id.as_str());

    let (status, comparison) = call(&app, &user.token, Method::GET, &format!("/api/v1/interviews/{id}/comparison"), None).await;
    assert_eq!(status, 200, "{comparison}");
    assert_eq!(comparison["matcher"], "all-MiniLM-L6-v2 (local)");
    assert_eq!(comparison["questions_matched"], 3, "{comparison:#}");
    assert_eq!(comparison["questions_unexpected"], 1);
    assert_eq!(comparison["unexpected"][0]["asked_question"], "How do you prioritise your work when everything is urgent?");
    assert_eq!(comparison["not_asked"][0]["practice_question"], PRACTISED[3].0);
    let conflict = comparison["matches"].as_array().unwrap().iter().find(|m| m["practice_question_id"] == ids[1].as_str()).unwrap();
    assert!(conflict["similarity"].as_f64().unwrap() >= 0.6, "{conflict}");
    assert_eq!(conflict["prep_answer"], PRACTISED[1].1);
    assert!(conflict["actual_answer"].as_str().unwrap().contains("met with her"), "{conflict}");
    let delta = |name: &str| conflict["deltas"].as_array().unwrap().iter().find(|d| d["metric"] == name).unwrap().clone();
    assert_eq!(delta("star_score")["better"], true, "the real answer told the whole story: {conflict}");
    assert_eq!(delta("fillers")["better"], true);
    let score = comparison["improvement_score"].as_i64().unwrap();
    assert!((1..=100).contains(&score), "better than in practice: {score}");

    // Linking is the owner's alone; unlinking ends the comparison.
    let stranger = app.new_user("Stranger").await;
    let (status, _) = call(&app, &stranger.token, Method::GET, &format!("/api/v1/interviews/{id}/comparison"), None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, &stranger.token, Method::PUT, &format!("/api/v1/interviews/{id}/practice"),
        Some(json!({"practice_id": practice_id}))).await;
    assert_eq!(status, 404);
    let other = create(&app, &stranger.token, json!({"job_title": "Spy", "interview_type": "phone"})).await;
    let (status, _) = call(&app, &user.token, Method::PUT, &format!("/api/v1/interviews/{id}/practice"),
        Some(json!({"practice_id": other["id"]}))).await;
    assert_eq!(status, 422, "another user's session cannot be linked");
    let (status, unlinked) = call(&app, &user.token, Method::DELETE, &format!("/api/v1/interviews/{id}/practice"), None).await;
    assert_eq!(status, 200);
    assert!(unlinked["practice_id"].is_null());
    let (status, error) = call(&app, &user.token, Method::GET, &format!("/api/v1/interviews/{id}/comparison"), None).await;
    assert_eq!((status, error["error"]["code"].as_str()), (409, Some("not_linked")));
    let (status, relinked) = call(&app, &user.token, Method::PUT, &format!("/api/v1/interviews/{id}/practice"),
        Some(json!({"practice_id": practice_id}))).await;
    assert_eq!((status, relinked["practice_id"].as_str()), (200, Some(practice_id.as_str())));
}

#[actix_web::test]
async fn deleting_an_account_deletes_its_practice_sessions_and_no_one_elses() {
    let mut settings = debrief::config::Settings::defaults().unwrap();
    settings.database.url = "mem://".into();
    let store = debrief::store::Store::connect(&settings.database).await.unwrap();
    let session = |id: &str| -> protocol::practice::PracticeSession {
        serde_json::from_value(json!({
            "id": id, "status": "draft", "version": 1, "job_title": "Chef", "company": null,
            "interview_type": "phone", "job_description": null, "resume_url": null, "questions": [], "answers": [],
            "feedback": null, "question_count": 0, "answered_count": 0, "completed_at": null,
            "created_at": "2026-11-23T10:00:00Z", "updated_at": "2026-11-23T10:00:00Z"
        }))
        .unwrap()
    };
    for user in ["leaving", "staying"] {
        store.create_user(user, &format!("{user}@example.com"), user, "hash").await.unwrap();
        store.create_practice(user, &session(&format!("{user}-session"))).await.unwrap();
    }
    store.delete_user("leaving").await.unwrap();
    assert!(store.practice("leaving", "leaving-session").await.unwrap().is_none());
    assert!(store.list_practice("leaving", None, 10).await.unwrap().is_empty());
    assert!(store.practice("staying", "staying-session").await.unwrap().is_some());
    assert!(store.practice("leaving", "staying-session").await.unwrap().is_none(), "scoped by owner");
}

#[actix_web::test]
async fn a_session_can_be_completed_with_questions_skipped_when_asked_and_its_feedback_names_them() {
    let app = spawn_app().await;
    let user = app.new_user("Noor").await;
    let session = create(&app, &user.token, json!({"job_title": "Teacher", "interview_type": "behavioral"})).await;
    let id = session["id"].as_str().unwrap();
    let session = generate(&app, &user.token, id, 3).await;
    let ids = question_ids(&session);
    call(&app, &user.token, Method::PUT, &format!("/api/v1/practice/{id}/answers"),
        Some(json!({"answers": [{"question_id": ids[0], "text": STORY}]}))).await;
    let (status, completed) = call(&app, &user.token, Method::POST, &format!("/api/v1/practice/{id}/complete"),
        Some(json!({"allow_unanswered": true}))).await;
    assert_eq!(status, 200, "{completed}");
    assert_eq!(completed["status"], "completed");
    let first = completed["feedback"]["improvements"][0].as_str().unwrap();
    assert!(first.starts_with("2 questions left unanswered"), "{first}");
    assert!(first.contains(session["questions"][2]["text"].as_str().unwrap()), "{first}");
}
