//! The terminal chat: one private chat whose user is the console user from the config. It is
//! what `herald run` opens when no platform account is configured, and it reads piped input
//! just as well, so herald is scriptable.
//!
//! One line is one message, except `/post` and `/edit`, which take every following line up to a
//! line holding a single `.` (or the end of input) — articles have paragraphs.

use anyhow::Context;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::app::{App, ChatInfo, Invocation, Sender};
use crate::domain::{ChatKind, Platform};
use crate::render::plain;

/// How the console behaves around the conversation.
pub struct ConsoleOptions {
    /// Print a prompt before each message (when a person is typing).
    pub interactive: bool,
    /// Ask whether to load the demo newsroom before the first message.
    pub offer_demo: bool,
}

/// Runs the terminal chat until the input ends or `shutdown` is cancelled.
pub async fn run<R, W>(
    app: &App,
    input: R,
    mut output: W,
    options: ConsoleOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut lines = input.lines();
    if options.offer_demo {
        output.write_all("The database is empty. Load the demo newsroom? / База пуста. Загрузить демо-редакцию? [Y/n] ".as_bytes()).await?;
        output.flush().await?;
        let answer = tokio::select! {
            line = lines.next_line() => line?.unwrap_or_default(),
            () = shutdown.cancelled() => return Ok(()),
        };
        if !matches!(
            answer.trim().to_lowercase().as_str(),
            "n" | "no" | "н" | "нет"
        ) {
            let count = crate::app::demo::load(app)
                .await
                .context("loading the demo newsroom")?;
            output
                .write_all(format!("Demo newsroom loaded: {count} articles.\n").as_bytes())
                .await?;
        }
    }
    if options.interactive {
        output
            .write_all(b"herald console - type /help, Ctrl-D to quit.\n")
            .await?;
    }
    loop {
        if options.interactive {
            output.write_all(b"> ").await?;
            output.flush().await?;
        }
        let line = tokio::select! {
            line = lines.next_line() => line.context("reading the console")?,
            () = shutdown.cancelled() => break,
        };
        let Some(mut text) = line else { break };
        if text.trim().is_empty() {
            continue;
        }
        if is_multiline(&text) {
            while let Some(next) = lines.next_line().await? {
                if next.trim() == "." {
                    break;
                }
                text.push('\n');
                text.push_str(&next);
            }
        }
        if let Some(reply) = app.handle(&invocation(app, text)).await {
            output.write_all(plain::render(&reply).as_bytes()).await?;
            output.write_all(b"\n\n").await?;
            output.flush().await?;
        }
    }
    Ok(())
}

fn is_multiline(text: &str) -> bool {
    let name = text.trim_start().split_whitespace().next().unwrap_or("");
    matches!(name, "/post" | "/edit")
}

fn invocation(app: &App, text: String) -> Invocation {
    Invocation {
        platform: Platform::Console,
        chat: ChatInfo {
            native_id: "local".into(),
            kind: ChatKind::Private,
            title: "console".into(),
        },
        sender: Sender {
            native_id: app.settings().console.user.clone(),
            display_name: "console".into(),
            language: None,
        },
        text,
    }
}
