use clientele_tests::TestApp;

#[tokio::test]
async fn health_answers_without_a_key() {
    let app = TestApp::spawn().await;
    let a = app.call("GET", "/health", None, None).await.expect(200);
    assert_eq!(a.body["status"], "ok");
}

#[tokio::test]
async fn ready_checks_the_database() {
    let app = TestApp::spawn().await;
    let a = app.call("GET", "/ready", None, None).await.expect(200);
    assert_eq!(a.body["status"], "ok");
    assert!(a.headers.get("x-request-id").is_some());
}
