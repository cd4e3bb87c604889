//! Telegram's flood limits, as the simulator enforces them: 30 messages a second per bot, one a
//! second per chat, 20 a minute per group or channel — each answered with 429 and a
//! retry_after, which grows for a bot that keeps sending while told to wait. A request with
//! `allow_paid_broadcast` is a paid broadcast: it may go up to 1,000 a second in total (free
//! and paid together), while requests without it still share the free 30 a second.

use std::collections::{HashMap, VecDeque};

/// The limits; all configurable, `None` switches one off.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_second: Option<usize>,
    pub per_chat_interval_ms: Option<i64>,
    pub group_per_minute: Option<usize>,
    /// Messages a second in total for requests that set `allow_paid_broadcast`.
    pub paid_per_second: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_second: Some(30),
            per_chat_interval_ms: Some(1_000),
            group_per_minute: Some(20),
            paid_per_second: Some(1_000),
        }
    }
}

impl Limits {
    pub fn lifted() -> Limits {
        Limits {
            per_second: None,
            per_chat_interval_ms: None,
            group_per_minute: None,
            paid_per_second: None,
        }
    }
}

/// The longest wait the simulator orders, in seconds.
const MAX_WAIT_S: u64 = 3_600;

#[derive(Debug, Default)]
pub struct Limiter {
    pub limits: Limits,
    /// Free messages in the last second.
    recent: VecDeque<i64>,
    /// Every message (free and paid) in the last second, for the paid limit.
    all: VecDeque<i64>,
    chats: HashMap<i64, VecDeque<i64>>,
    /// Until when each chat (0: the whole bot) was told to wait, and how often it ignored that.
    blocked: HashMap<i64, (i64, u32)>,
    /// Requests that came during a wait, in total.
    pub strikes: u64,
    /// A wait (s) ordered at the next message, as Telegram's flood control may order one
    /// before any count is reached.
    pub flood: Option<u64>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            ..Limiter::default()
        }
    }

    /// Admits a message to `chat` at `now` (ms), or says how many seconds to wait. A request
    /// during a wait is a violation: the wait starts over and doubles.
    pub fn admit(&mut self, chat: i64, group: bool, paid: bool, now: i64) -> Result<(), u64> {
        for key in [0, chat] {
            if let Some((until, strikes)) =
                self.blocked.get_mut(&key).filter(|(until, _)| *until > now)
            {
                *strikes += 1;
                self.strikes += 1;
                // Doubling, up to an hour (a bot that never stops is not waited on forever).
                let wait = ((*until - now) as u64)
                    .div_ceil(1000)
                    .max(1)
                    .saturating_mul(2u64.pow((*strikes).min(4)))
                    .min(MAX_WAIT_S);
                *until = now + wait as i64 * 1000;
                return Err(wait);
            }
        }
        if let Some(seconds) = self.flood.take() {
            return Err(self.block(0, now, seconds));
        }
        while self.recent.front().is_some_and(|t| *t + 1_000 <= now) {
            self.recent.pop_front();
        }
        while self.all.front().is_some_and(|t| *t + 1_000 <= now) {
            self.all.pop_front();
        }
        let over = if paid {
            self.limits
                .paid_per_second
                .is_some_and(|n| self.all.len() >= n)
        } else {
            self.limits
                .per_second
                .is_some_and(|n| self.recent.len() >= n)
        };
        if over {
            return Err(self.block(0, now, 1));
        }
        let log = self.chats.entry(chat).or_default();
        if let (Some(gap), Some(last)) = (self.limits.per_chat_interval_ms, log.back())
            && now - last < gap
        {
            return Err(self.block(chat, now, 1));
        }
        let log = self.chats.entry(chat).or_default();
        while log.front().is_some_and(|t| *t + 60_000 <= now) {
            log.pop_front();
        }
        if let Some(n) = self.limits.group_per_minute.filter(|_| group)
            && log.len() >= n
        {
            let wait = ((log[0] + 60_000 - now) as u64).div_ceil(1000).max(1);
            return Err(self.block(chat, now, wait));
        }
        log.push_back(now);
        self.all.push_back(now);
        if !paid {
            self.recent.push_back(now);
        }
        Ok(())
    }

    fn block(&mut self, key: i64, now: i64, seconds: u64) -> u64 {
        self.blocked.insert(key, (now + seconds as i64 * 1000, 0));
        seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thirty_first_message_in_a_second_is_told_to_wait() {
        let mut limiter = Limiter::new(Limits::default());
        for chat in 0..30 {
            assert!(limiter.admit(chat + 1, false, false, 10 * chat).is_ok());
        }
        assert_eq!(limiter.admit(99, false, false, 500), Err(1));
        assert!(limiter.admit(99, false, false, 1_600).is_ok());
    }

    #[test]
    fn one_chat_gets_one_message_a_second_and_a_group_twenty_a_minute() {
        let mut limiter = Limiter::new(Limits::default());
        assert!(limiter.admit(1, false, false, 0).is_ok());
        assert_eq!(limiter.admit(1, false, false, 400), Err(1));
        for n in 0..20 {
            assert!(limiter.admit(-5, true, false, 10_000 + n * 1_000).is_ok());
        }
        assert!(limiter.admit(-5, true, false, 40_000).is_err());
    }

    #[test]
    fn paid_broadcasts_go_up_to_a_thousand_a_second_and_free_sends_keep_their_thirty() {
        let mut limiter = Limiter::new(Limits::default());
        for chat in 0..900 {
            assert!(limiter.admit(chat + 1, false, true, 500).is_ok(), "{chat}");
        }
        for chat in 0..30 {
            assert!(limiter.admit(10_000 + chat, false, false, 600).is_ok());
        }
        assert_eq!(limiter.admit(20_000, false, false, 700), Err(1));
    }

    #[test]
    fn a_bot_that_keeps_sending_while_told_to_wait_waits_longer() {
        let mut limiter = Limiter::new(Limits::default());
        limiter.admit(1, false, false, 0).unwrap();
        let first = limiter.admit(1, false, false, 100).unwrap_err();
        let second = limiter.admit(1, false, false, 200).unwrap_err();
        assert!(second > first, "{first} then {second}");
    }
}
