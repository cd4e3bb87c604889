# Multi-stage build: compile with the full toolchain, ship a slim image running as non-root.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY migrations migrations
COPY locales locales
COPY benches benches
COPY tests tests
COPY sim sim
RUN cargo build --release --locked --bin herald

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data herald \
    && mkdir -p /data /etc/herald \
    && chown herald /data
COPY --from=build /src/target/release/herald /usr/local/bin/herald
COPY config/herald.toml /etc/herald/herald.toml
USER herald
WORKDIR /data
ENV HERALD_CONFIG=/etc/herald/herald.toml \
    HERALD__STORAGE__DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["herald"]
CMD ["run"]
