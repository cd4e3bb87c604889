//! Inline mode: a user types `@herald_bot words` in any chat (an `inline_query` update) and the
//! bot answers with `answerInlineQuery`, checked as Telegram checks it — within ten seconds,
//! once, at most 50 results with distinct ids of 1–64 bytes, each with a title and a message
//! Telegram can parse and send, a `next_offset` of at most 64 bytes.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use super::users::user;
use super::{ApiError, Sim, bad, shown};
use crate::html;

/// How long Telegram waits for an answer.
pub const ANSWER_WINDOW_MS: i64 = 10_000;

/// An inline query a user typed, and the bot's answer once given.
#[derive(Debug, Clone)]
pub struct InlineQuery {
    pub from: i64,
    pub query: String,
    pub offset: String,
    pub asked_ms: i64,
    /// The accepted answer: its results, as the bot sent them, and `next_offset`.
    pub answer: Option<InlineAnswer>,
}

#[derive(Debug, Clone)]
pub struct InlineAnswer {
    pub results: Vec<Value>,
    pub next_offset: String,
    pub cache_time: Option<i64>,
    /// The button above the results (`{"text", "start_parameter"}`), if any.
    pub button: Option<Value>,
    /// Each result's message as the chat would show it (HTML parsed), by result id.
    pub shown: BTreeMap<String, String>,
}

/// The inline queries asked so far, by id.
#[derive(Debug, Default)]
pub struct InlineQueries {
    queries: BTreeMap<String, InlineQuery>,
    next: u64,
}

impl Sim {
    /// A user types `query` after the bot's name (`offset`: the page asked for, "" for the
    /// first); returns the query's id.
    pub fn user_inline_query(&mut self, from: i64, query: &str, offset: &str) -> String {
        self.inline.next += 1;
        let id = format!("{}", 880_000_000_000 + self.inline.next);
        self.inline.queries.insert(
            id.clone(),
            InlineQuery {
                from,
                query: query.to_string(),
                offset: offset.to_string(),
                asked_ms: self.now_ms(),
                answer: None,
            },
        );
        let update = json!({
            "id": id, "from": user(from), "query": query, "offset": offset, "chat_type": "sender",
        });
        self.queue("inline_query", update);
        id
    }

    /// The inline query `id`, answered or not.
    pub fn inline_query(&self, id: &str) -> Option<InlineQuery> {
        self.inline.queries.get(id).cloned()
    }

    /// answerInlineQuery, its parameters as sent (JSON, or a form with `results` as text).
    pub fn answer_inline(&mut self, p: &HashMap<String, Value>) -> Result<Value, ApiError> {
        let text = |key: &str| match p.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let results = match p.get("results") {
            Some(Value::String(s)) => {
                serde_json::from_str(s).map_err(|_| bad("can't parse results JSON object"))?
            }
            Some(v) => v.clone(),
            None => return Err(bad("RESULTS_INVALID")),
        };
        let button = match p.get("button") {
            Some(Value::String(s)) => serde_json::from_str(s).ok(),
            other => other.cloned(),
        };
        if let Some(button) = &button
            && button["text"].as_str().is_none_or(|t| t.trim().is_empty())
        {
            return Err(bad("BUTTON_TEXT_INVALID"));
        }
        let cache_time = text("cache_time").parse().ok();
        let id = text("inline_query_id");
        self.answer_inline_query(&id, &results, &text("next_offset"), cache_time)?;
        if let Some(query) = self.inline.queries.get_mut(&id)
            && let Some(answer) = &mut query.answer
        {
            answer.button = button;
        }
        Ok(json!(true))
    }

    /// answerInlineQuery.
    pub fn answer_inline_query(
        &mut self,
        id: &str,
        results: &Value,
        next_offset: &str,
        cache_time: Option<i64>,
    ) -> Result<Value, ApiError> {
        let now = self.now_ms();
        let expired =
            || bad("query is too old and response timeout expired or query ID is invalid");
        let query = self.inline.queries.get(id).ok_or_else(expired)?;
        if query.answer.is_some() || now - query.asked_ms > ANSWER_WINDOW_MS {
            return Err(expired());
        }
        let results = results.as_array().ok_or_else(|| bad("RESULTS_INVALID"))?;
        if results.len() > 50 {
            return Err(bad("RESULTS_TOO_MUCH"));
        }
        if next_offset.len() > 64 {
            return Err(bad("NEXT_OFFSET_INVALID"));
        }
        let mut ids = HashSet::new();
        let mut shown_texts = BTreeMap::new();
        for result in results {
            let (result_id, text) = check_result(result)?;
            if !ids.insert(result_id.clone()) {
                return Err(bad("RESULT_ID_DUPLICATE"));
            }
            shown_texts.insert(result_id, text);
        }
        let answer = InlineAnswer {
            results: results.clone(),
            next_offset: next_offset.to_string(),
            cache_time,
            button: None,
            shown: shown_texts,
        };
        if let Some(query) = self.inline.queries.get_mut(id) {
            query.answer = Some(answer);
        }
        Ok(json!(true))
    }
}

/// One result of an answer: its id and its message as shown, or why Telegram refuses it.
fn check_result(result: &Value) -> Result<(String, String), ApiError> {
    let id = result["id"].as_str().unwrap_or_default();
    if id.is_empty() || id.len() > 64 {
        return Err(bad("RESULT_ID_INVALID"));
    }
    if result["type"].as_str() != Some("article") {
        return Err(bad("RESULT_TYPE_INVALID"));
    }
    if result["title"].as_str().is_none_or(|t| t.trim().is_empty()) {
        return Err(bad("RESULT_TITLE_EMPTY"));
    }
    let content = &result["input_message_content"];
    let text = content["message_text"].as_str().unwrap_or_default();
    let html_mode = content["parse_mode"]
        .as_str()
        .is_some_and(|m| m.eq_ignore_ascii_case("html"));
    let shown = shown(text, html_mode)?;
    if shown.trim().is_empty() {
        return Err(bad("MESSAGE_EMPTY"));
    }
    if html::units(&shown) > 4096 {
        return Err(bad("MESSAGE_TOO_LONG"));
    }
    Ok((id.to_string(), shown))
}
