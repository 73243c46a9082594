# syntax=docker/dockerfile:1
# Multi-stage: dependencies are compiled in a layer of their own (cached until
# Cargo.toml or Cargo.lock change), the app on top, and the runtime image
# holds the one binary (front end and migrations embedded), run as non-root.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# The dependency layer: the manifests with empty targets, built once.
COPY Cargo.toml Cargo.lock ./
COPY loadtest/Cargo.toml loadtest/Cargo.toml
RUN mkdir -p src loadtest/src \
    && echo 'fn main() {}' > src/main.rs \
    && echo '' > src/lib.rs \
    && echo 'fn main() {}' > loadtest/src/main.rs \
    && cargo build --release --locked -p shutterbug \
    && rm -rf src loadtest/src
COPY build.rs ./
COPY src src
COPY migrations migrations
COPY static static
COPY loadtest loadtest
# Touch the sources so cargo rebuilds them over the placeholders.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked -p shutterbug \
    && cp target/release/shutterbug /shutterbug

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates=20230311* \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --create-home shutterbug
COPY --from=build /shutterbug /usr/local/bin/shutterbug
USER 10001
WORKDIR /app
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATA_DIR=/app/data \
    UPLOAD_DIR=/app/uploads
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["shutterbug", "healthcheck"]
ENTRYPOINT ["shutterbug"]
