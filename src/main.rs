//! The herald binary: parse the command line, load settings, build herald, run it.

use anyhow::Context;
use clap::Parser;
use herald::app::App;
use herald::application::{self, Application, Options};
use herald::cli::{Cli, Command};
use herald::config::Settings;
use tokio_util::sync::CancellationToken;

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(start());
    // A console blocked reading stdin must not keep the process alive after a shutdown signal.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}

/// glibc's allocator gives threads arenas of their own (up to eight per core), and memory freed
/// in one arena is not reused by another: with tokio's workers and SQLite's threads, about 10 MB
/// of a sending herald's resident memory was arenas' slack. Two arenas keep that down and
/// allocation contention low. An operator's `MALLOC_ARENA_MAX` wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

async fn start() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run { demo: false });
    if let Command::CheckConfig = command {
        print!("{}", Settings::effective_toml(cli.config.as_deref())?);
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    let quiet = [herald::platform::matrix::QUIET_LOG];
    herald::telemetry::init(&settings.log_filter, settings.log_format, &quiet);
    match command {
        Command::CheckConfig => Ok(()),
        Command::Migrate => {
            App::build(settings).await?.store().close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::Run { demo } => {
            let shutdown = CancellationToken::new();
            tokio::spawn(application::cancel_on_signal(shutdown.clone()));
            let options = Options {
                demo,
                ..Options::default()
            };
            Application::build_with(settings, options, shutdown)
                .await?
                .run()
                .await
        }
        Command::ImportOpml { file } => {
            let document = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let app = App::build(settings).await?;
            let interval = app.settings().ingest.default_interval_s;
            let (added, known) =
                herald::app::commands::import_opml(app.store(), &document, interval)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            app.store().close().await;
            println!("{added} sources added, {known} already known");
            Ok(())
        }
        Command::Reindex => {
            let shutdown = CancellationToken::new();
            tokio::spawn(application::cancel_on_signal(shutdown.clone()));
            let finished = herald::app::reindex::foreground(settings, &shutdown).await?;
            println!(
                "{}",
                if finished {
                    "the search index is up to date"
                } else {
                    "interrupted; run it again to go on"
                }
            );
            Ok(())
        }
        Command::CopyDb { from, to } => {
            let shutdown = CancellationToken::new();
            tokio::spawn(application::cancel_on_signal(shutdown.clone()));
            let bar = std::io::IsTerminal::is_terminal(&std::io::stderr());
            match herald::app::copy_db::copy_db(&from, &to, bar, &shutdown).await? {
                herald::app::copy_db::Copied::Verified(counts) => {
                    for count in counts {
                        println!("{:<18} {:>10} rows", count.table, count.target);
                    }
                    println!("copied and checked: every table has as many rows in {to}");
                }
                herald::app::copy_db::Copied::Interrupted => {
                    println!("interrupted; run it again to go on");
                }
            }
            Ok(())
        }
        Command::ExportOpml => {
            let app = App::build(settings).await?;
            let document = herald::app::commands::export_opml(app.store())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            app.store().close().await;
            println!("{document}");
            Ok(())
        }
    }
}
