//! How many requests a second the simulator absorbs with limits lifted, so it never becomes the
//! bottleneck when herald is measured against it (goal ≥ 3,000/s on this machine).
//!
//! `cargo run --release -p tgsim --bin tgsim-bench [seconds] [connections]`

use std::time::{Duration, Instant};

use tgsim::{Kind, Limits, Simulator};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Sends sendMessage requests over one keep-alive connection until `until`; returns how many
/// were answered 200.
async fn client(
    addr: std::net::SocketAddr,
    chats: i64,
    seed: i64,
    until: Instant,
) -> anyhow::Result<u64> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut answered = 0;
    let mut n = seed;
    while Instant::now() < until {
        n += 1;
        let body = format!(
            "{{\"chat_id\":{},\"text\":\"benchmark message {n}\"}}",
            1 + n % chats
        );
        let request = format!(
            "POST /bot123:TEST/sendMessage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        write.write_all(request.as_bytes()).await?;
        let mut status = String::new();
        read.read_line(&mut status).await?;
        let mut length = 0;
        loop {
            let mut line = String::new();
            read.read_line(&mut line).await?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        read.read_exact(&mut body).await?;
        if status.contains(" 200 ") {
            answered += 1;
        }
    }
    Ok(answered)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|v| v.parse().ok()).unwrap_or(5);
    let connections: i64 = args.next().and_then(|v| v.parse().ok()).unwrap_or(32);
    let sim = Simulator::start(0, "123:TEST", Limits::lifted()).await?;
    let chats = 1_000;
    for id in 1..=chats {
        sim.add_chat(id, Kind::Private, "reader");
    }
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|c| tokio::spawn(client(sim.addr, chats, c * 1_000_000, until)))
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "tgsim: {total} sendMessage requests answered in {took:.1} s over {connections} keep-alive connections = {:.0} requests/s (goal >= 3000)",
        total as f64 / took
    );
    Ok(())
}
