//! The terminal chat: one private chat whose user is the console user from the config. It is
//! what `herald run` opens when no platform account is configured, and it reads piped input
//! just as well, so herald is scriptable.
//!
//! One line is one message, except `/post`, `/edit` and `/source import`, which take every
//! following line up to a line holding a single `.` (or the end of input) — articles have
//! paragraphs, OPML documents have lines.
//!
//! The console is also a delivery platform: articles pushed to its chat are printed between
//! the replies, marked with the message id they got, and their edits and removals likewise.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use async_trait::async_trait;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::delivery::{Destination, Outbound, Part, Post, SendError, only_part};

use crate::app::{App, ChatInfo, Invocation, Sender};
use crate::domain::{ChatKind, Platform, Rich};
use crate::render::plain;

/// How the console behaves around the conversation.
pub struct ConsoleOptions {
    /// Print a prompt before each message (when a person is typing).
    pub interactive: bool,
    /// Ask whether to load the demo newsroom before the first message.
    pub offer_demo: bool,
}

/// At the end of input, how long the console waits for another push before it stops.
const PUSH_SETTLE: std::time::Duration = std::time::Duration::from_millis(500);

/// The console chat's id on the console platform.
pub const CHAT_ID: &str = "local";

/// The delivery side of the console: pushes go to the chat loop through a channel, so they
/// never interleave with a reply being printed.
pub struct ConsoleOutbound {
    pushes: mpsc::UnboundedSender<String>,
    next_id: AtomicU64,
}

/// A console outbound and the receiving end for [`run`].
pub fn outbound() -> (ConsoleOutbound, mpsc::UnboundedReceiver<String>) {
    let (pushes, received) = mpsc::unbounded_channel();
    (
        ConsoleOutbound {
            pushes,
            next_id: AtomicU64::new(1),
        },
        received,
    )
}

impl ConsoleOutbound {
    fn push(&self, text: String) -> Result<(), SendError> {
        self.pushes
            .send(text)
            .map_err(|_| SendError::Transient("the console is closed".into()))
    }
}

#[async_trait]
impl Outbound for ConsoleOutbound {
    async fn send_part(
        &self,
        _to: &Destination,
        post: &Post,
        part: usize,
    ) -> Result<Part, SendError> {
        only_part(part)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        self.push(format!("📰 [message {id}]\n{}", plain::render(&post.reply)))?;
        Ok(Part {
            ids: vec![id],
            last: true,
        })
    }

    async fn edit(
        &self,
        _to: &Destination,
        message_ids: &[String],
        post: &Post,
    ) -> Result<(), SendError> {
        self.push(format!(
            "✏️ [message {} edited]\n{}",
            message_ids.join(", "),
            plain::render(&post.reply)
        ))
    }

    async fn delete(
        &self,
        _to: &Destination,
        message_ids: &[String],
        _reason: &str,
    ) -> Result<(), SendError> {
        self.push(format!("🗑 [message {} removed]", message_ids.join(", ")))
    }
}

/// Runs the terminal chat until the input ends or `shutdown` is cancelled, printing pushes
/// from `pushes` as they come.
pub async fn run<R, W>(
    app: &App,
    input: R,
    mut output: W,
    mut pushes: mpsc::UnboundedReceiver<String>,
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
            Some(push) = pushes.recv() => {
                output.write_all(format!("{push}\n\n").as_bytes()).await?;
                output.flush().await?;
                continue;
            }
            () = shutdown.cancelled() => break,
        };
        let Some(mut text) = line else {
            // End of piped input: show what is still being delivered here, then stop.
            while let Ok(Some(push)) = tokio::time::timeout(PUSH_SETTLE, pushes.recv()).await {
                output.write_all(format!("{push}\n\n").as_bytes()).await?;
            }
            output.flush().await?;
            break;
        };
        if text.trim().is_empty() {
            continue;
        }
        let article = crate::app::commands::takes_lines(&text);
        if article {
            while let Some(next) = lines.next_line().await? {
                if next.trim() == "." {
                    break;
                }
                text.push('\n');
                text.push_str(&next);
            }
        }
        // An article's text may carry the terminal's light markup (`*bold*`, `_italic_`,
        // `[text](https://…)`); other commands are read as typed.
        let rich = if article {
            Rich::from_markup(&text)
        } else {
            Rich::plain(text)
        };
        if let Some(reply) = app.handle(&invocation(app, rich)).await {
            output.write_all(plain::render(&reply).as_bytes()).await?;
            output.write_all(b"\n\n").await?;
            output.flush().await?;
        }
    }
    Ok(())
}

fn invocation(app: &App, text: Rich) -> Invocation {
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
        marks: text.marks().to_vec(),
        reply_to: None,
        photo: None,
        message_id: None,
        edited: false,
        text: text.text,
    }
}
