//! A progress bar on standard error, for the long foreground commands (`reindex`, `copy-db`).

use std::io::Write;

/// Redraws the bar in place: `[####....]  42% 4200/10000 <unit>`.
pub fn draw(done: u64, total: u64, unit: &str) {
    const WIDTH: u64 = 40;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    let percent = (done * 100).checked_div(total).unwrap_or(100).min(100);
    let bar: String = (0..WIDTH)
        .map(|i| if i < filled { '#' } else { '.' })
        .collect();
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r[{bar}] {percent:>3}% {done}/{total} {unit}");
    let _ = err.flush();
}
