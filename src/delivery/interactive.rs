//! Calls that answer a user at once without being a message to a chat — an inline query's
//! answer — paced in the platform's reply share like a reply to a command: they wait for room
//! in the platform's window as a reply would, and the window counts them, so a burst of
//! inline queries neither breaks the platform's limit nor starves the broadcast.

use std::future::Future;
use std::time::Duration;

use super::{Engine, Slot};
use crate::domain::{ChatKind, Platform};

/// The shortest pause between two looks at a full window.
const RECHECK: Duration = Duration::from_millis(5);

impl Engine {
    /// Runs `call` once the platform's window has room for a reply, counting it there until
    /// it is answered.
    pub async fn interactive<T>(&self, platform: Platform, call: impl Future<Output = T>) -> T {
        let slot = Slot {
            platform,
            kind: ChatKind::Private,
            interactive: true,
            paid: false,
        };
        loop {
            let wait = {
                let mut pacer = self.pacer.lock().await;
                let now = self.clock.now_ms();
                let wait = pacer.wait(platform, now);
                if wait.is_zero() && pacer.interactive_allowed(platform, now) {
                    // No chat: the per-chat interval it returns concerns nobody.
                    pacer.record(slot, 0, now);
                    break;
                }
                wait
            };
            tokio::time::sleep(wait.max(RECHECK)).await;
        }
        let answer = call.await;
        self.pacer
            .lock()
            .await
            .done(slot, self.clock.now_ms(), false);
        answer
    }
}
