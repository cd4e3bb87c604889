//! What one herald process tells the others on a shared database: work it stored for the
//! process that delivers (`application::leader`), which would otherwise find it only at its
//! next look at the queue. PostgreSQL's LISTEN/NOTIFY carries it; on SQLite there is only one
//! process and nothing to say.

use sqlx::postgres::PgListener;

use super::{Result, Store};

/// News for the delivering process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Deliveries were queued: the engine looks at the queue.
    Planned,
    /// A publication has chats left to plan: the publishing worker plans them.
    Planning,
}

impl Signal {
    const ALL: [Signal; 2] = [Signal::Planned, Signal::Planning];

    fn channel(self) -> &'static str {
        match self {
            Signal::Planned => "herald_planned",
            Signal::Planning => "herald_planning",
        }
    }
}

/// The signals other processes send, as they come.
pub struct Signals(PgListener);

impl Signals {
    /// The next signal; an error when the connection was lost and could not be made again
    /// (the next call tries again).
    pub async fn next(&mut self) -> Result<Signal> {
        loop {
            let notification = self.0.recv().await?;
            if let Some(signal) = Signal::ALL
                .into_iter()
                .find(|signal| signal.channel() == notification.channel())
            {
                return Ok(signal);
            }
        }
    }
}

impl Store {
    /// Tells the other processes on this database; nothing on SQLite.
    pub async fn signal(&self, signal: Signal) -> Result<()> {
        match &self.pg {
            Some(pg) => Ok(pg.notify(signal.channel()).await?),
            None => Ok(()),
        }
    }

    /// What the other processes tell; `None` on SQLite, where there are none.
    pub async fn signals(&self) -> Result<Option<Signals>> {
        match &self.pg {
            Some(pg) => {
                let channels = Signal::ALL.map(Signal::channel);
                Ok(Some(Signals(pg.listen(&channels).await?)))
            }
            None => Ok(None),
        }
    }
}
