//! The CMS endpoint: the newsroom's CMS publishes, corrects and retracts articles by its own
//! article id, idempotently.
//!
//! - `PUT /cms/articles/{id}` with an article as JSON: publishes it, or corrects it when the id
//!   is known and the text changed (unchanged: nothing happens). `POST /cms/articles` does the
//!   same with the id in the body.
//! - `DELETE /cms/articles/{id}` (optional `{"reason": "..."}`): retracts it.
//!
//! Every call needs `Authorization: Bearer <cms token>`, compared in constant time.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use secrecy::SecretString;
use serde::Deserialize;

use crate::app::App;
use crate::domain::article::{MAX_BODY_CHARS, MAX_LEAD_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS};
use crate::domain::{Language, PhotoRef, Rich, TopicSlug};
use crate::store::{External, Ingested, NewArticle, Retraction};

const ORIGIN: &str = "cms";

#[derive(Clone)]
struct Cms {
    app: App,
    token: SecretString,
    /// The user corrections by the CMS are recorded under (`console:cms`).
    editor_id: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CmsArticle {
    #[serde(default)]
    id: Option<String>,
    title: String,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    body: String,
    /// The body as HTML, beside the plain one: its paragraphs, bold, italic and links are
    /// kept, the rest made text.
    #[serde(default)]
    body_html: Option<String>,
    language: String,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    original_url: Option<String>,
    #[serde(default)]
    photo: Option<CmsPhoto>,
    #[serde(default)]
    breaking: bool,
    /// A label name from the config; the newsroom's default when absent.
    #[serde(default)]
    label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CmsPhoto {
    url: String,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    credit: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct CmsRetraction {
    #[serde(default)]
    reason: String,
}

/// The CMS routes; `editor_id` is the user the CMS's corrections are recorded under.
pub async fn router(app: App, token: SecretString) -> anyhow::Result<Router> {
    let cms = crate::domain::UserRef {
        platform: crate::domain::Platform::Console,
        native_id: "cms".into(),
    };
    let editor_id = app.store().upsert_user(&cms, "CMS").await?.id;
    Ok(Router::new()
        .route("/cms/articles", post(create))
        .route("/cms/articles/{id}", put(upsert).delete(retract))
        .with_state(Cms {
            app,
            token,
            editor_id,
        }))
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn refused(message: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        serde_json::json!({"error": message}),
    )
}

fn authorized(cms: &Cms, headers: &HeaderMap) -> bool {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    super::secret_matches(given.as_bytes(), &cms.token)
}

async fn create(State(cms): State<Cms>, headers: HeaderMap, body: Bytes) -> Response {
    store_article(cms, headers, None, body).await
}

async fn upsert(
    State(cms): State<Cms>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    store_article(cms, headers, Some(id), body).await
}

async fn store_article(cms: Cms, headers: HeaderMap, id: Option<String>, body: Bytes) -> Response {
    if !authorized(&cms, &headers) {
        tracing::warn!("CMS call refused: wrong or missing bearer token");
        return answer(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "unauthorized"}),
        );
    }
    let article: CmsArticle = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(error) => return refused(&format!("not an article: {error}")),
    };
    let Some(id) = id.or(article.id.clone()).filter(|i| !i.trim().is_empty()) else {
        return refused("the CMS article id is missing");
    };
    if id.len() > 200 {
        return refused("the CMS article id is longer than 200 characters");
    }
    let (new, hash) = match prepare(&cms.app, &article).await {
        Ok(ready) => ready,
        Err(Prepare::Refused(message)) => return refused(&message),
        Err(Prepare::Internal(error)) => return internal(error),
    };
    let external = External {
        origin: ORIGIN,
        key: &id,
        hash: &hash,
    };
    match cms
        .app
        .ingest(&[(external, &new, true)], cms.editor_id)
        .await
    {
        Ok(outcomes) => {
            let Some(outcome) = outcomes.into_iter().next() else {
                return internal(anyhow::anyhow!("the CMS article was not stored"));
            };
            let (status, word, article_id) = match outcome {
                Ingested::New { id, .. } => (StatusCode::CREATED, "published", id),
                Ingested::Corrected(id) => (StatusCode::OK, "corrected", id),
                Ingested::Unchanged(id) => (StatusCode::OK, "unchanged", id),
            };
            tracing::info!(cms_id = %id, article = article_id, outcome = word, "CMS article");
            answer(
                status,
                serde_json::json!({"article_id": article_id, "outcome": word}),
            )
        }
        Err(error) => internal(error.into()),
    }
}

/// The longest `body_html` accepted: markup on top of the longest body.
const MAX_BODY_HTML_CHARS: usize = 4 * MAX_BODY_CHARS;

enum Prepare {
    Refused(String),
    Internal(anyhow::Error),
}

/// Checks the article as herald would check an editor's /post, and fingerprints it.
async fn prepare(app: &App, a: &CmsArticle) -> Result<(NewArticle, String), Prepare> {
    let title = a.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(Prepare::Refused(format!(
            "title must hold 1 to {MAX_TITLE_CHARS} characters"
        )));
    }
    // The bounds of an editor's /post, checked before any work on the text.
    let caption = a.photo.as_ref().and_then(|p| p.caption.as_deref());
    let credit = a.photo.as_ref().and_then(|p| p.credit.as_deref());
    for (field, value, max) in [
        ("lead", Some(a.lead.as_str()), MAX_LEAD_CHARS),
        ("body", Some(a.body.as_str()), MAX_BODY_CHARS),
        ("body_html", a.body_html.as_deref(), MAX_BODY_HTML_CHARS),
        ("photo.caption", caption, MAX_LEAD_CHARS),
        ("photo.credit", credit, MAX_TITLE_CHARS),
        ("url", a.url.as_deref(), MAX_URL_CHARS),
        ("original_url", a.original_url.as_deref(), MAX_URL_CHARS),
        (
            "photo.url",
            a.photo.as_ref().map(|p| p.url.as_str()),
            MAX_URL_CHARS,
        ),
    ] {
        if value.is_some_and(|v| v.chars().nth(max).is_some()) {
            return Err(Prepare::Refused(format!(
                "{field} is longer than {max} characters"
            )));
        }
    }
    let language = Language::parse(&a.language)
        .ok_or_else(|| Prepare::Refused(format!("language `{}` is not ru or en", a.language)))?;
    let mut topic_ids = Vec::new();
    for name in &a.topics {
        let slug = TopicSlug::parse(name)
            .ok_or_else(|| Prepare::Refused(format!("`{name}` is not a topic")))?;
        let topic = app
            .store()
            .topic(&slug)
            .await
            .map_err(|e| Prepare::Internal(e.into()))?
            .ok_or_else(|| Prepare::Refused(format!("no topic `{name}`")))?;
        topic_ids.push(topic.id);
    }
    let newsroom = &app.settings().newsroom;
    let label = match a.label.as_ref().or(newsroom.default_label.as_ref()) {
        Some(name) => Some(
            newsroom
                .labels
                .get(&name.to_lowercase())
                .cloned()
                .ok_or_else(|| Prepare::Refused(format!("no label `{name}` in the config")))?,
        ),
        None => None,
    };
    // Read by html5ever and kept as text with bold, italic and links only (`domain::rich`):
    // scripts, styles, event handlers and every other attribute are gone by construction.
    let body = match a.body_html.as_deref() {
        Some(html) if !html.trim().is_empty() => Rich::from_html(html),
        _ => Rich::plain(a.body.clone()),
    };
    if body.text.chars().nth(MAX_BODY_CHARS).is_some() {
        return Err(Prepare::Refused(format!(
            "body is longer than {MAX_BODY_CHARS} characters"
        )));
    }
    // A change of formatting alone is a correction too.
    let fingerprinted = format!("{}{}", body.text, body.marks_json().unwrap_or_default());
    let hash = crate::domain::content_hash(title, &a.lead, &fingerprinted);
    Ok((
        NewArticle {
            title: title.to_string(),
            lead: a.lead.clone(),
            body,
            language,
            url: a.url.clone(),
            original_url: a.original_url.clone(),
            photo: a.photo.as_ref().map(|p| PhotoRef::Web(p.url.clone())),
            photo_caption: a.photo.as_ref().and_then(|p| p.caption.clone()),
            photo_credit: a.photo.as_ref().and_then(|p| p.credit.clone()),
            topic_ids,
            author_id: None,
            published_at: app.clock().now(),
            breaking: a.breaking,
            label,
            pair_id: None,
        },
        hash,
    ))
}

async fn retract(
    State(cms): State<Cms>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&cms, &headers) {
        tracing::warn!("CMS call refused: wrong or missing bearer token");
        return answer(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "unauthorized"}),
        );
    }
    let reason = serde_json::from_slice::<CmsRetraction>(&body)
        .unwrap_or_default()
        .reason;
    let store = cms.app.store();
    let article = match store.external_article(ORIGIN, &id).await {
        Ok(Some(article)) => article,
        Ok(None) => {
            return answer(
                StatusCode::NOT_FOUND,
                serde_json::json!({"error": "unknown article"}),
            );
        }
        Err(error) => return internal(error.into()),
    };
    match cms.app.retract(article, &reason).await {
        Ok(outcome) => {
            let word = match outcome {
                Retraction::Retracted => "retracted",
                Retraction::AlreadyRetracted => "already retracted",
                Retraction::NotFound => "not found",
            };
            answer(
                StatusCode::OK,
                serde_json::json!({"article_id": article, "outcome": word}),
            )
        }
        Err(error) => internal(error.into()),
    }
}

fn internal(error: anyhow::Error) -> Response {
    tracing::error!(error = format!("{error:#}"), "CMS call failed");
    answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        serde_json::json!({"error": "internal error; logged"}),
    )
}
