//! Sign-in throttling (OWASP ASVS 2.2): wrong passwords slow down the address
//! they come from, on that account, and never lock the account's owner out.
//! Other client addresses are simulated by binding the test client to another
//! loopback address (Linux routes all of 127.0.0.0/8 to `lo`).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use debrief::config::Settings;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

/// A client whose connections come from `127.0.0.N`.
fn client_from(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .build()
        .unwrap()
}

/// Three free failures, then waits of two seconds and more (short enough
/// to wait out in a test, long enough that a busy machine does not outrun it).
fn quick_backoff(settings: &mut Settings) {
    settings.auth.login_free_failures = 3;
    settings.auth.login_backoff_base_secs = 2;
    settings.auth.login_backoff_max_secs = 2;
}

async fn login_via(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
    login_with(app, client, email, password, None).await
}

async fn login_with(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = client.post(app.url("/api/v1/auth/login")).json(&json!({ "email": email, "password": password }));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.unwrap()
}

/// Asserts a 429 with the JSON error and `Retry-After`; returns the wait.
async fn assert_throttled(response: reqwest::Response) -> Duration {
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After: {retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(body["error"]["details"]["retry_after_secs"], retry_after);
    Duration::from_secs(retry_after)
}

#[actix_web::test]
async fn a_strangers_wrong_passwords_never_lock_the_owner_out() {
    let app = spawn_app_with(quick_backoff).await;
    let user = app.new_user("Ann").await;
    let (stranger, owner) = (client_from(2), client_from(3));

    // Ten wrong passwords from the stranger's address: the first are refused
    // as wrong, the rest are throttled.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(login_via(&app, &stranger, &user.email, "not the password").await.status().as_u16());
    }
    assert_eq!(statuses[..3], [401, 401, 401]);
    assert!(statuses[3..].iter().all(|&status| status == 429), "{statuses:?}");

    // Even the right password waits at the stranger's address...
    let wait = assert_throttled(login_via(&app, &stranger, &user.email, &user.password).await).await;
    // ...while the owner, elsewhere, signs in at once.
    assert_eq!(login_via(&app, &owner, &user.email, &user.password).await.status(), 200);

    // Once the wait is over, the address may try again.
    tokio::time::sleep(wait).await;
    assert_eq!(login_via(&app, &stranger, &user.email, &user.password).await.status(), 200);
}

#[actix_web::test]
async fn a_throttled_address_may_still_sign_in_to_other_accounts() {
    let app = spawn_app_with(quick_backoff).await;
    let (ann, bo) = (app.new_user("Ann").await, app.new_user("Bo").await);
    let shared = client_from(4);

    for _ in 0..3 {
        assert_eq!(login_via(&app, &shared, &ann.email, "not the password").await.status(), 401);
    }

    assert_throttled(login_via(&app, &shared, &ann.email, &ann.password).await).await;
    assert_eq!(login_via(&app, &shared, &bo.email, &bo.password).await.status(), 200);
}

#[actix_web::test]
async fn a_forwarded_for_header_is_ignored_unless_the_proxy_is_trusted() {
    let app = spawn_app_with(quick_backoff).await;
    let user = app.new_user("Cy").await;

    // Untrusted: a client cannot pose as someone else by sending the header.
    for n in 0..3 {
        let forged = format!("203.0.113.{n}");
        let response = login_with(&app, &app.client, &user.email, "not the password", Some(&forged)).await;
        assert_eq!(response.status(), 401);
    }
    let forged = login_with(&app, &app.client, &user.email, &user.password, Some("203.0.113.99")).await;
    assert_throttled(forged).await;
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_counted_apart() {
    let app = spawn_app_with(|s| {
        quick_backoff(s);
        s.auth.trust_forwarded_for = true;
    })
    .await;
    let user = app.new_user("Di").await;
    // The proxy appends the address it saw; what the client sent comes first.
    let (stranger, owner) = ("198.51.100.7, 203.0.113.1", "198.51.100.7, 203.0.113.2");

    for _ in 0..3 {
        let response = login_with(&app, &app.client, &user.email, "not the password", Some(stranger)).await;
        assert_eq!(response.status(), 401);
    }

    assert_throttled(login_with(&app, &app.client, &user.email, &user.password, Some(stranger)).await).await;
    let response = login_with(&app, &app.client, &user.email, &user.password, Some(owner)).await;
    assert_eq!(response.status(), 200);
}

#[actix_web::test]
async fn logins_from_one_address_are_rate_limited_whatever_the_account() {
    let app = spawn_app_with(|s| s.auth.login_per_ip_per_minute = 2).await;

    assert_eq!(app.login("a@example.com", "whatever123").await.status(), 401);
    assert_eq!(app.login("b@example.com", "whatever123").await.status(), 401);
    let limited = app.login("c@example.com", "whatever123").await;

    assert_eq!(limited.status(), 429);
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another address is not affected.
    assert_eq!(login_via(&app, &client_from(5), "c@example.com", "whatever123").await.status(), 401);
}

#[actix_web::test]
async fn failed_sign_ins_over_many_accounts_from_one_address_are_limited() {
    let app = spawn_app_with(|s| s.auth.login_failures_per_ip_per_hour = 3).await;
    let user = app.new_user("Eve").await;
    let sprayer = client_from(6);

    for n in 0..3 {
        let response = login_via(&app, &sprayer, &format!("user{n}@example.com"), "summer2024!").await;
        assert_eq!(response.status(), 401);
    }

    let limited = login_via(&app, &sprayer, "user9@example.com", "summer2024!").await;
    assert_eq!(limited.status(), 429);
    assert_eq!(login_via(&app, &app.client, &user.email, &user.password).await.status(), 200);
}
