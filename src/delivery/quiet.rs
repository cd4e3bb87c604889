//! Platforms the engine knows to have nothing ready, so a pick does not ask the database about
//! them again and again. The terminal chat is always configured and rarely busy: without this,
//! every pick at Telegram's pace also read the console's empty queue.

use std::collections::HashMap;

use crate::domain::Platform;

/// Each quiet platform's first queued row's due time (none: nothing is queued), and when to
/// ask again anyway: at that due time, at most a poll interval ahead (a safety net, should some
/// work arrive without a wake). The run loop forgets a platform as soon as something may have
/// changed it: new work was planned (the wake), or one of its sends finished (the next part of
/// a post, a retry).
#[derive(Debug, Default)]
pub(super) struct Quiet {
    platforms: HashMap<Platform, (Option<i64>, i64)>,
}

impl Quiet {
    /// Whether `platform` is known to have nothing ready at `now`.
    pub(super) fn is_quiet(&self, platform: Platform, now: i64) -> bool {
        self.platforms
            .get(&platform)
            .is_some_and(|(_, recheck)| *recheck > now)
    }

    /// When the first row queued for a quiet `platform` is due, if one is queued.
    pub(super) fn due(&self, platform: Platform) -> Option<i64> {
        self.platforms.get(&platform).and_then(|(due, _)| *due)
    }

    /// `platform` had nothing ready at `now`; its first queued row is due at `due`.
    pub(super) fn mark(&mut self, platform: Platform, now: i64, due: Option<i64>, poll_ms: i64) {
        let cap = now.saturating_add(poll_ms);
        let recheck = due.map_or(cap, |due| due.min(cap));
        self.platforms.insert(platform, (due, recheck));
    }

    /// Something may have become ready on `platform`.
    pub(super) fn forget(&mut self, platform: Platform) {
        self.platforms.remove(&platform);
    }

    /// New work may have been planned anywhere.
    pub(super) fn clear(&mut self) {
        self.platforms.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_is_quiet_until_its_first_row_is_due_or_the_poll_interval_ends() {
        let mut quiet = Quiet::default();
        quiet.mark(Platform::Console, 1_000, Some(1_200), 1_000);
        quiet.mark(Platform::Matrix, 1_000, None, 1_000);
        assert!(quiet.is_quiet(Platform::Console, 1_100));
        assert_eq!(quiet.due(Platform::Console), Some(1_200));
        assert!(!quiet.is_quiet(Platform::Console, 1_200), "due now");
        assert!(quiet.is_quiet(Platform::Matrix, 1_999));
        assert_eq!(quiet.due(Platform::Matrix), None, "nothing queued");
        assert!(
            !quiet.is_quiet(Platform::Matrix, 2_000),
            "asked again after a poll"
        );
        assert!(!quiet.is_quiet(Platform::Telegram, 1_000));
        quiet.forget(Platform::Console);
        assert!(!quiet.is_quiet(Platform::Console, 1_100));
        quiet.mark(Platform::Console, 1_000, Some(5_000), 1_000);
        quiet.clear();
        assert!(!quiet.is_quiet(Platform::Console, 1_100));
    }
}
