//! Mail: written as .eml files without SMTP, sent over a real SMTP conversation
//! with it, in the recipient's language, with text and HTML parts.

use klearn::i18n::{I18n, Locale, Tr};
use klearn::mail::{self, compose, OutgoingMail, TestMail};

use crate::common::{smtp::SmtpServer, Mail, TestApp};

fn test_mail(app: &TestApp, to: &str, locale: Locale) -> OutgoingMail {
    compose(
        to,
        &TestMail {
            tr: Tr::new(I18n::load().unwrap(), locale),
            site_url: app.settings.absolute_url("/"),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn without_smtp_mail_is_written_as_eml_files() {
    let app = TestApp::spawn().await;
    let mail = test_mail(&app, "learner@example.com", Locale::ZhCn);
    app.db(move |c| mail::enqueue(c, &mail, None).unwrap()).await;
    let got = app.wait_for_mail("learner@example.com").await;
    assert_eq!(got.subject, "Klearn 测试邮件");
    assert!(got.from.contains("no-reply@localhost"), "{}", got.from);
    assert!(got.text.contains("这是一封测试邮件"), "{}", got.text);
    assert!(got.html.contains("这是一封测试邮件"), "{}", got.html);
    // Links are absolute, from KLEARN_BASE_URL.
    assert!(got.link(&app.address).is_some(), "{}", got.text);
    assert!(
        got.html.contains(&format!("href=\"{}/\"", app.address)),
        "{}",
        got.html
    );
}

#[tokio::test]
async fn with_smtp_mail_goes_over_the_wire_in_the_recipients_language() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder()
        .smtp(smtp.url())
        .env("KLEARN_MAIL_FROM", "Klearn Team <team@klearn.test>")
        .spawn()
        .await;
    let mut mail = test_mail(&app, "Ada <ada@example.com>", Locale::En);
    mail.list_unsubscribe = Some(app.settings.absolute_url("/unsubscribe?token=abc"));
    app.db(move |c| mail::enqueue(c, &mail, None).unwrap()).await;
    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].mail_from, "<team@klearn.test>");
    assert_eq!(received[0].rcpt_to, vec!["<ada@example.com>".to_string()]);
    let got = Mail::parse(&received[0].data, "smtp".into());
    assert_eq!(got.subject, "Klearn test mail");
    assert!(got.text.contains("This is a test mail"));
    assert!(got.html.contains("<html lang=\"en\">"));
    assert_eq!(
        got.header("List-Unsubscribe"),
        Some(format!("<{}/unsubscribe?token=abc>", app.address).as_str())
    );
    assert_eq!(
        got.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    // Nothing went to files.
    assert!(app.inbox().is_empty());
}

#[tokio::test]
async fn a_request_only_enqueues_and_the_same_mail_twice_with_a_key_is_sent_once() {
    let app = TestApp::spawn().await;
    let mail = test_mail(&app, "once@example.com", Locale::En);
    let (a, b) = app
        .db(move |c| {
            (
                mail::enqueue(c, &mail, Some("welcome:1".into())).unwrap(),
                mail::enqueue(c, &mail, Some("welcome:1".into())).unwrap(),
            )
        })
        .await;
    assert_eq!(a, b);
    app.wait_for_mail("once@example.com").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.inbox()
            .iter()
            .filter(|m| m.to.contains("once@example.com"))
            .count(),
        1
    );
}
