//! Accounts: register, sign in, who am I, sign out, delete me.

use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

#[actix_web::test]
async fn a_new_user_registers_signs_in_and_sees_themselves() {
    let app = spawn_app().await;

    let registered = app.register("Ann.Lee@Example.com", "correct horse battery", "Ann").await;
    assert_eq!(registered.status(), 201);
    let registered: Value = registered.json().await.unwrap();
    assert_eq!(registered["user"]["email"], "ann.lee@example.com");
    assert!(registered["user"].get("password_hash").is_none());

    let login = app.login("ann.lee@example.com", "correct horse battery").await;
    assert_eq!(login.status(), 200);
    let login: Value = login.json().await.unwrap();
    assert_ne!(login["token"], registered["token"], "each sign-in gets its own token");

    let me = app.me(login["token"].as_str().unwrap()).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["id"], registered["user"]["id"]);
    assert_eq!(me["name"], "Ann");
}

#[actix_web::test]
async fn registering_an_email_twice_is_a_conflict_whatever_its_case() {
    let app = spawn_app().await;
    assert_eq!(app.register("bo@example.com", "correct horse battery", "Bo").await.status(), 201);

    let again = app.register(" BO@example.com ", "another password", "Bo 2").await;

    assert_eq!(again.status(), 409);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"]["code"], "email_taken");
    // The first account is untouched.
    assert_eq!(app.login("bo@example.com", "correct horse battery").await.status(), 200);
}

#[actix_web::test]
async fn a_wrong_password_or_unknown_email_is_refused_alike() {
    let app = spawn_app().await;
    let user = app.new_user("Cy").await;

    let wrong_password = app.login(&user.email, "not the password").await;
    let unknown_email = app.login("nobody@example.com", "not the password").await;

    for response in [wrong_password, unknown_email] {
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }
}

#[actix_web::test]
async fn invalid_registration_fields_are_explained() {
    let app = spawn_app().await;
    for (email, password, name, field) in [
        ("not-an-email", "correct horse battery", "Di", "email"),
        ("di@example.com", "short", "Di", "password"),
        ("di@example.com", "correct horse battery", "   ", "name"),
        ("di@b..c", "correct horse battery", "Di", "email"),
        ("<script>@x.io", "correct horse battery", "Di", "email"),
        ("di@example.com", "        ", "Di", "password"),
        ("di@example.com", "Password123", "Di", "password"),
        ("di@example.com", "correct horse battery", "Di\u{202E}gpj.exe", "name"),
        ("di@example.com", "correct horse battery", "Di\u{2066}", "name"),
        ("di@example.com", "correct horse battery", "Di\u{1b}[31m", "name"),
    ] {
        let response = app.register(email, password, name).await;
        assert_eq!(response.status(), 422, "{field}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["details"]["field"], field);
        assert!(body["error"]["message"].as_str().unwrap().contains(field));
    }
}

#[actix_web::test]
async fn malformed_or_oversized_bodies_get_the_json_error_shape() {
    let app = spawn_app_with(|s| s.server.max_json_bytes = 1024).await;
    let url = app.url("/api/v1/auth/register");

    let malformed = app
        .client
        .post(&url)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.json::<Value>().await.unwrap()["error"]["code"], "bad_request");

    let huge = json!({ "email": "e@example.com", "password": "x".repeat(4096), "name": "E" });
    let oversized = app.client.post(&url).json(&huge).send().await.unwrap();
    assert_eq!(oversized.status(), 413);
    assert_eq!(oversized.json::<Value>().await.unwrap()["error"]["code"], "payload_too_large");
}

#[actix_web::test]
async fn private_endpoints_need_a_valid_token() {
    let app = spawn_app().await;

    let without = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    let with_garbage = app.me("garbage").await;

    for response in [without, with_garbage] {
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
}

#[actix_web::test]
async fn signing_out_revokes_only_that_token() {
    let app = spawn_app().await;
    let user = app.new_user("Eve").await;
    let second: Value = app.login(&user.email, &user.password).await.json().await.unwrap();

    assert_eq!(app.logout(&user.token).await.status(), 204);

    assert_eq!(app.me(&user.token).await.status(), 401);
    assert_eq!(app.me(second["token"].as_str().unwrap()).await.status(), 200);
}

#[actix_web::test]
async fn deleting_my_account_removes_me_and_all_my_tokens() {
    let app = spawn_app().await;
    let user = app.new_user("Fay").await;
    let other: Value = app.login(&user.email, &user.password).await.json().await.unwrap();
    let bystander = app.new_user("Gus").await;

    assert_eq!(app.delete_me(&user.token).await.status(), 204);

    assert_eq!(app.me(&user.token).await.status(), 401);
    assert_eq!(app.me(other["token"].as_str().unwrap()).await.status(), 401);
    assert_eq!(app.login(&user.email, &user.password).await.status(), 401);
    assert_eq!(app.me(&bystander.token).await.status(), 200, "other users are untouched");
    // The address is free again.
    assert_eq!(app.register(&user.email, &user.password, "Fay again").await.status(), 201);
}

#[actix_web::test]
async fn a_new_name_with_text_direction_marks_is_refused_and_the_old_one_kept() {
    let app = spawn_app().await;
    let user = app.new_user("Gil").await;

    for bad in ["Gil\u{202E}nimda", "\u{200F}Gil", "Gil\u{7}"] {
        let response = app.rename(&user.token, bad).await;
        assert_eq!(response.status(), 422, "{bad:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["details"]["field"], "name");
    }

    let me: Value = app.me(&user.token).await.json().await.unwrap();
    assert_eq!(me["name"], "Gil");
    assert_eq!(app.rename(&user.token, "Gil Ångström").await.status(), 200);
}
