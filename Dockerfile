# khuyenhoc: multi-stage build; SQLite, libpq and OpenSSL are compiled from
# source by their crates, so the builder needs only Rust, a C compiler, perl
# and make.
FROM rust:1.95-slim-bookworm AS build
# Packages are not pinned to versions (hadolint DL3008): Debian's security
# updates replace the exact versions; the images' tags pin the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential perl make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY src ./src
COPY migrations ./migrations
RUN cargo build --release --locked

FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --create-home khuyenhoc
COPY --from=build /src/target/release/khuyenhoc /usr/local/bin/khuyenhoc
USER 10001
WORKDIR /data
# The SQLite file lives on the volume; set DATABASE_URL=postgres://… to use PostgreSQL instead.
VOLUME ["/data"]
ENV BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/khuyenhoc.db \
    RUST_LOG=info
EXPOSE 8080
ENTRYPOINT ["khuyenhoc"]
CMD ["serve"]
