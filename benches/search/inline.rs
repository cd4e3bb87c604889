//! Inline mode's answers on the archive the search benchmark filled: `App::inline_page`, as
//! the Telegram adapter asks for it, for every query in both languages and on pages 1–5 (each
//! a page not kept yet, so each is searched and rendered), then the same again (kept pages).

use std::path::Path;
use std::time::{Duration, Instant};

use herald::app::App;
use herald::config::Settings;
use herald::domain::Language;

use super::percentile;

pub async fn measure(path: &Path, queries: &[String]) -> anyhow::Result<()> {
    let (Some(dir), Some(file)) = (path.parent(), path.file_name()) else {
        anyhow::bail!("no database at {}", path.display());
    };
    let mut settings = Settings::for_tests(dir, &["telegram:1"])?;
    settings.database_file = file.to_string_lossy().into_owned();
    let app = App::build(settings).await?;
    let mut asked: Vec<String> = vec![String::new()];
    asked.extend(queries.iter().cloned());
    for kept in [false, true] {
        let mut times: Vec<Duration> = Vec::new();
        let mut results = 0;
        for language in [Language::Ru, Language::En] {
            for page in 0..5 {
                let offset = if page == 0 {
                    String::new()
                } else {
                    page.to_string()
                };
                for query in &asked {
                    let started = Instant::now();
                    let found = app.inline_page(query, &offset, language).await?;
                    times.push(started.elapsed());
                    results += found.results.len();
                }
            }
        }
        times.sort();
        println!(
            "inline answers ({}): p50 {:.2} ms, p99 {:.2} ms over {} pages ({results} results)",
            if kept {
                "kept pages"
            } else {
                "searched and rendered"
            },
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            times.len(),
        );
    }
    app.store().close().await;
    Ok(())
}
