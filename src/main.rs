//! The herald binary: parse the command line, load settings, build the app, run it.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use herald::app::App;
use herald::cli::{Cli, Command};
use herald::config::{DemoOffer, Settings};
use herald::delivery::{Engine, EngineConfig, Metrics, RatePolicy};
use herald::domain::Platform;
use herald::instance::InstanceLock;
use herald::platform::Outbound;
use herald::platform::console::{self, ConsoleOptions};
use tokio::io::BufReader;
use tokio_util::sync::CancellationToken;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(start());
    // A console blocked reading stdin must not keep the process alive after a shutdown signal.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}

async fn start() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    herald::telemetry::init(&settings.log_filter);
    match cli.command.unwrap_or(Command::Run { demo: false }) {
        Command::CheckConfig => {
            println!("{settings:#?}");
            Ok(())
        }
        Command::Migrate => {
            App::build(settings).await?.store().close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::Run { demo } => run(settings, demo).await,
        Command::ImportOpml { file } => {
            let document = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let app = App::build(settings).await?;
            let interval = app.settings().ingest.default_interval_s;
            let (added, known) =
                herald::app::commands::source::import_opml(app.store(), &document, interval)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            app.store().close().await;
            println!("{added} sources added, {known} already known");
            Ok(())
        }
        Command::ExportOpml => {
            let app = App::build(settings).await?;
            let document = herald::app::commands::source::export_opml(app.store())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            app.store().close().await;
            println!("{document}");
            Ok(())
        }
    }
}

async fn run(settings: Settings, demo: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
    let _lock = InstanceLock::acquire(&settings.database_path())?;
    let interactive = std::io::stdin().is_terminal();
    let app = App::build(settings.clone()).await?;
    let empty = app.store().count_articles().await? == 0;
    if empty && (demo || settings.console.demo == DemoOffer::Always) {
        let count = herald::app::demo::load(&app)
            .await
            .context("loading the demo newsroom")?;
        tracing::info!(count, "demo newsroom loaded");
    }
    let offer_demo = empty && !demo && interactive && settings.console.demo == DemoOffer::Ask;

    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let mut tasks = tokio::task::JoinSet::new();
    let (console_out, pushes) = console::outbound();
    let mut platforms: Vec<(Platform, Arc<dyn Outbound>, RatePolicy)> = vec![(
        Platform::Console,
        Arc::new(console_out),
        RatePolicy::unlimited(),
    )];
    let mut webhook = None;
    if let Some(telegram) = &settings.telegram {
        let limits = settings.telegram_limits;
        let started =
            herald::platform::telegram::start(&app, telegram, limits, &mut tasks, shutdown.clone())
                .await
                .context("starting Telegram")?;
        platforms.push((Platform::Telegram, started.outbound, limits));
        webhook = started.webhook;
    }
    if let Some(matrix) = &settings.matrix {
        let started = herald::platform::matrix::start(&app, matrix, &mut tasks, shutdown.clone())
            .await
            .context("starting Matrix")?;
        platforms.push((Platform::Matrix, started.outbound, settings.matrix_limits));
    }
    let metrics = Arc::new(Metrics::new());
    let engine = Arc::new(Engine::new(
        app.store().clone(),
        platforms,
        app.clock(),
        EngineConfig {
            owners: settings.owners.clone(),
            glossary: settings.newsroom.glossary.clone(),
            ..settings.delivery.clone()
        },
        Arc::clone(&metrics),
        app.wake(),
    ));
    tasks.spawn(Arc::clone(&engine).run(shutdown.clone()));
    tasks.spawn(Arc::clone(&engine).run_digests(shutdown.clone()));
    tasks.spawn(publish_scheduled(app.clone(), shutdown.clone()));
    if settings.ingest.enabled {
        let ingestor = herald::ingest::Ingestor::new(&app).await?;
        tasks.spawn(ingestor.run(shutdown.clone()));
    }
    if let Some(addr) = settings.http_listen {
        let mut router = herald::http::router(app.store().clone(), metrics, app.clock());
        if let Some(webhook) = webhook {
            router = router.merge(webhook);
        }
        if let Some(token) = settings.cms_token.clone() {
            router = router.merge(herald::http::cms::router(app.clone(), token).await?);
        }
        tasks.spawn(herald::http::serve(addr, router, shutdown.clone()));
    }

    // With a chat platform and no terminal (a service), herald runs until a signal; the
    // console would end at the first end of input.
    if (settings.telegram.is_some() || settings.matrix.is_some()) && !interactive {
        shutdown.cancelled().await;
        return finish(&app, tasks, Ok(())).await;
    }
    let options = ConsoleOptions {
        interactive,
        offer_demo,
    };
    let stdin = BufReader::new(tokio::io::stdin());
    let result = console::run(
        &app,
        stdin,
        tokio::io::stdout(),
        pushes,
        options,
        shutdown.clone(),
    )
    .await;
    shutdown.cancel();
    finish(&app, tasks, result).await
}

/// Waits for every task to stop (each watches the shutdown token) and closes the database.
async fn finish(
    app: &App,
    mut tasks: tokio::task::JoinSet<anyhow::Result<()>>,
    result: anyhow::Result<()>,
) -> anyhow::Result<()> {
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(error = format!("{error:#}"), "a task failed"),
            Err(error) => tracing::error!(%error, "a task panicked"),
        }
    }
    app.store().close().await;
    result
}

/// Publishes embargoed articles when their time comes, checking every few seconds.
async fn publish_scheduled(app: App, shutdown: CancellationToken) -> anyhow::Result<()> {
    loop {
        if let Err(error) = app.publish_due().await {
            tracing::error!(
                error = format!("{error:#}"),
                "could not publish scheduled articles"
            );
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
            () = shutdown.cancelled() => return Ok(()),
        }
    }
}

/// Cancels `shutdown` on Ctrl-C or SIGTERM, so every task stops through the same token.
async fn cancel_on_signal(shutdown: CancellationToken) {
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
