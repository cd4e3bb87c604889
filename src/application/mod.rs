//! The wiring: [`Application::build`] brings up everything `herald run` runs — the store, the
//! platform adapters, the delivery engine, the embargo and feed workers and the HTTP server —
//! with the shutdown token passed in. `main`, the tests and the benchmarks all build herald
//! here, so what they exercise is what runs in production. On a database several processes
//! share, what only one of them may do runs in the one holding the lease (see `leader`).

mod leader;

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::io::BufReader;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::clock::Clock;
use crate::config::{DemoOffer, RatePolicy, Settings};
use crate::delivery::{Engine, Metrics, Outbound};
use crate::domain::Platform;
use crate::instance::InstanceLock;
use crate::platform::console::{self, ConsoleOptions};
use leader::Duty;

/// Wraps a started adapter's outbound port (a test that watches every call).
pub type WrapOutbound = Arc<dyn Fn(Arc<dyn Outbound>) -> Arc<dyn Outbound> + Send + Sync>;

/// What a test or benchmark changes about `herald run`; [`Options::default`] is `herald run`.
pub struct Options {
    /// The one clock of the process (tests pause tokio's and start it at a chosen time).
    pub clock: Clock,
    /// Platforms given ready-made (the in-process platform of tests and benchmarks), beside
    /// those the settings start.
    pub platforms: Vec<(Platform, Arc<dyn Outbound>, RatePolicy)>,
    /// Applied to the outbound port of every adapter the settings start.
    pub wrap: Option<WrapOutbound>,
    /// Spawn the workers (the engine's loop, digests, embargoes, feeds). Tests that drive the
    /// engine's step themselves turn them off; the adapters and the HTTP server still start.
    pub workers: bool,
    /// Load the demo newsroom into an empty database (`herald run --demo`).
    pub demo: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Clock::system(),
            platforms: Vec::new(),
            wrap: None,
            workers: true,
            demo: false,
        }
    }
}

/// A running herald: its use cases, its engine and every task it started.
pub struct Application {
    app: App,
    engine: Arc<Engine>,
    /// Every task started; each stops through `shutdown`.
    tasks: JoinSet<anyhow::Result<()>>,
    shutdown: CancellationToken,
    /// What the terminal chat receives (pushed articles), until the console takes it.
    pushes: Option<mpsc::UnboundedReceiver<String>>,
    /// The Matrix device herald signed in as, when Matrix is on.
    matrix_device: Option<String>,
    /// The database was empty and the user may be asked about the demo.
    offer_demo: bool,
    /// What the engine counts, and whether this process leads (see `leader`).
    metrics: Arc<Metrics>,
    /// Keeps a second herald off the same data directory while this one runs.
    _lock: InstanceLock,
}

impl Application {
    /// Builds herald as `herald run` does, stopping when `shutdown` is cancelled.
    pub async fn build(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Self> {
        Application::build_with(settings, Options::default(), shutdown).await
    }

    /// Like [`Application::build`], with what a test or benchmark changes.
    pub async fn build_with(
        settings: Settings,
        options: Options,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
        let lock = InstanceLock::acquire(&settings.database_path())?;
        crate::app::reindex::load_dictionary().await?;
        let app = App::build_with_clock(settings.clone(), options.clock).await?;
        let empty = app.store().count_articles().await? == 0;
        if empty && (options.demo || settings.console.demo == DemoOffer::Always) {
            let count = crate::app::demo::load(&app)
                .await
                .context("loading the demo newsroom")?;
            tracing::info!(count, "demo newsroom loaded");
        }
        let offer_demo = empty && !options.demo && settings.console.demo == DemoOffer::Ask;
        let photos = crate::ingest::fetch::Fetcher::for_settings(&settings.ingest)
            .context("building the photo HTTP client")?;
        app.register_fetch_check(Arc::new(photos));

        let mut tasks = JoinSet::new();
        // What one process at a time does (see `leader`).
        let mut duties: Vec<Duty> = Vec::new();
        let wrap = |outbound| match &options.wrap {
            Some(wrap) => wrap(outbound),
            None => outbound,
        };
        let (console_out, pushes) = console::outbound();
        let mut platforms: Vec<(Platform, Arc<dyn Outbound>, RatePolicy)> = vec![(
            Platform::Console,
            Arc::new(console_out),
            RatePolicy::unlimited(),
        )];
        let mut webhook = None;
        if let Some(telegram) = &settings.telegram {
            let limits = settings.telegram_limits;
            let started = crate::platform::telegram::start(&app, telegram, limits)
                .await
                .context("starting Telegram")?;
            platforms.push((Platform::Telegram, wrap(started.outbound), limits));
            webhook = started.webhook;
            duties.extend(started.receiver);
        }
        let mut matrix_device = None;
        if let Some(matrix) = &settings.matrix {
            let started = crate::platform::matrix::start(&app, matrix)
                .await
                .context("starting Matrix")?;
            duties.push(started.receiver);
            platforms.push((
                Platform::Matrix,
                wrap(started.outbound),
                settings.matrix_limits,
            ));
            matrix_device = Some(started.device_id);
        }
        // Ready-made platforms replace a started one of the same kind.
        for given in options.platforms {
            platforms.retain(|(platform, _, _)| *platform != given.0);
            platforms.push(given);
        }

        let metrics = Arc::new(Metrics::new());
        let engine = Arc::new(Engine::new(
            app.store().clone(),
            platforms,
            app.clock(),
            settings.engine_config(),
            Arc::clone(&metrics),
            app.wake(),
            Arc::new(app.clone()),
        ));
        app.register_engine(&engine);
        if options.workers {
            duties.extend(workers(&app, &engine));
            if settings.ingest.enabled {
                // Every process polls feeds; each source is claimed for one poll.
                let ingestor = crate::ingest::Ingestor::new(&app).await?;
                tasks.spawn(ingestor.run(shutdown.clone()));
            }
            tasks.spawn(crate::app::checkpoint_log(
                app.store().clone(),
                shutdown.clone(),
            ));
        }
        if !app.store().shared() {
            // The data directory's lock already keeps every other process off this database.
            metrics.set_leading(true);
            for duty in duties {
                tasks.spawn(duty(shutdown.clone()));
            }
        } else if !duties.is_empty() {
            let store = app.store().clone();
            let lead = leader::lead(store, duties, Arc::clone(&metrics), shutdown.clone());
            tasks.spawn(lead);
        }
        if let Some(addr) = settings.http_listen {
            let mut router =
                crate::http::router(app.store().clone(), Arc::clone(&metrics), app.clock());
            if let Some(webhook) = webhook {
                router = router.merge(webhook);
            }
            if let Some(token) = settings.cms_token.clone() {
                router = router.merge(crate::http::cms::router(app.clone(), token).await?);
            }
            tasks.spawn(crate::http::serve(addr, router, shutdown.clone()));
        }
        Ok(Application {
            app,
            engine,
            tasks,
            shutdown,
            pushes: Some(pushes),
            matrix_device,
            offer_demo,
            metrics,
            _lock: lock,
        })
    }

    /// The use cases (what every adapter calls).
    pub fn app(&self) -> &App {
        &self.app
    }

    /// The delivery engine (tests drive its step).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Whether this process polls, syncs and delivers now: always on SQLite; on PostgreSQL
    /// while it holds the leader lease.
    pub fn leading(&self) -> bool {
        self.metrics.leading()
    }

    /// The Matrix device herald signed in as, when Matrix is on.
    pub fn matrix_device(&self) -> Option<&str> {
        self.matrix_device.as_deref()
    }

    /// What the terminal chat receives; `None` once taken.
    pub fn take_pushes(&mut self) -> Option<mpsc::UnboundedReceiver<String>> {
        self.pushes.take()
    }

    /// Runs until shutdown: as a service while a chat platform is on and there is no terminal,
    /// else as the terminal chat (which also ends at the end of its input). Then stops.
    pub async fn run(mut self) -> anyhow::Result<()> {
        let settings = self.app.settings().clone();
        for owner in self.app.unreachable_owners().await? {
            tracing::warn!(
                %owner,
                "this owner will not hear herald's notices (lost chats, failing feeds, the paid \
                 cap) until they write to herald in a private chat or a direct room"
            );
        }
        let interactive = std::io::stdin().is_terminal();
        if (settings.telegram.is_some() || settings.matrix.is_some()) && !interactive {
            self.shutdown.cancelled().await;
            return self.stop().await;
        }
        let options = ConsoleOptions {
            interactive,
            offer_demo: self.offer_demo && interactive,
        };
        let pushes = self
            .take_pushes()
            .context("the console's pushes were taken")?;
        let stdin = BufReader::new(tokio::io::stdin());
        let result = console::run(
            &self.app,
            stdin,
            tokio::io::stdout(),
            pushes,
            options,
            self.shutdown.clone(),
        )
        .await;
        let stopped = self.stop().await;
        result.and(stopped)
    }

    /// Cancels the shutdown token, waits for every task to stop and closes the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        while let Some(done) = self.tasks.join_next().await {
            log_end(done);
        }
        self.app.store().close().await;
        Ok(())
    }
}

/// Logs how a task ended, unless it simply stopped.
fn log_end(done: Result<anyhow::Result<()>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(error = format!("{error:#}"), "a task failed"),
        Err(error) => tracing::error!(%error, "a task panicked"),
    }
}

/// The workers one process at a time runs: the engine's loop, digests, embargoes, the index
/// rebuild, and what the other processes tell.
fn workers(app: &App, engine: &Arc<Engine>) -> Vec<Duty> {
    let mut duties: Vec<Duty> = Vec::new();
    let (one, two) = (Arc::clone(engine), Arc::clone(engine));
    duties.push(Box::new(move |shutdown| {
        Box::pin(Arc::clone(&one).run(shutdown))
    }));
    duties.push(Box::new(move |shutdown| {
        Box::pin(Arc::clone(&two).run_digests(shutdown))
    }));
    let publisher = app.clone();
    duties.push(Box::new(move |shutdown| {
        Box::pin(publish_scheduled(publisher.clone(), shutdown))
    }));
    let store = app.store().clone();
    duties.push(Box::new(move |shutdown| {
        Box::pin(rebuild_index(store.clone(), shutdown))
    }));
    if app.store().shared() {
        let relay = app.clone();
        duties.push(Box::new(move |shutdown| {
            Box::pin(leader::relay_signals(relay.clone(), shutdown))
        }));
    }
    duties
}

/// The publishing worker: plans what publications left to plan (and what the last stop
/// interrupted), and publishes embargoed articles when their time comes, checking every few
/// seconds.
async fn publish_scheduled(app: App, shutdown: CancellationToken) -> anyhow::Result<()> {
    let planner = app.planner();
    loop {
        if let Err(error) = app.finish_planning(&shutdown).await {
            tracing::error!(%error, "could not plan deliveries; trying again shortly");
        }
        if let Err(error) = app.publish_due().await {
            tracing::error!(
                error = format!("{error:#}"),
                "could not publish scheduled articles"
            );
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
            () = planner.notified() => {}
            () = shutdown.cancelled() => return Ok(()),
        }
    }
}

/// The index worker: rebuilds partitions indexed with an older analysis (after an upgrade),
/// while searches go on answering from their old tables. A failure is logged and the rebuild
/// is tried again at the next start; it never stops herald.
async fn rebuild_index(
    store: crate::store::Store,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let report = crate::app::reindex::Report::Log {
        every: Duration::from_secs(10),
    };
    if let Err(error) = crate::app::reindex::reindex(&store, &shutdown, report).await {
        tracing::error!(
            error = format!("{error:#}"),
            "could not rebuild the search index; searches use the old index"
        );
    }
    Ok(())
}

/// Cancels `shutdown` on Ctrl-C or SIGTERM, so every task stops through the same token.
pub async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    shutdown.cancel();
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
    shutdown.cancel();
}
