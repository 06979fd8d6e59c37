# Builds the debrief binary and runs it on a slim Debian image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin debrief

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/debrief /usr/local/bin/debrief
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/debrief"]
