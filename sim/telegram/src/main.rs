//! `tgsim [port] [token]`: a Telegram Bot API simulator on 127.0.0.1 for trying herald by hand.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port = args.next().and_then(|p| p.parse().ok()).unwrap_or(8081);
    let token = args.next().unwrap_or_else(|| "123:TEST".into());
    let sim = tgsim::Simulator::start(port, &token, tgsim::Limits::default()).await?;
    println!(
        "Telegram Bot API simulator on {} (token {token}); control API under /control",
        sim.api_url()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
