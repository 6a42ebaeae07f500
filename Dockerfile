# Nexus Atlas image: the `nexus` binary, the built web map and the sample data. GDAL (libgdal32)
# is installed for the formats `nexus` opens it for; GeoJSON and FlatGeobuf need only GEOS.
# Used by docker-compose.yml; expects DATABASE_URL (the embedded cluster is for bare machines).

FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgdal-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml clippy.toml ./
COPY crates crates
RUN cargo build --release --locked -p nexus-cli

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgdal32 ca-certificates fonts-dejavu-core fonts-tlwg-loma-ttf \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /srv/nexus nexus
WORKDIR /srv/nexus
COPY --from=build /src/target/release/nexus /usr/local/bin/
COPY --from=web /src/web/dist web/dist
COPY data data
USER nexus
ENV NEXUS_BIND=0.0.0.0:8080
EXPOSE 8080
CMD ["sh", "-c", "nexus load data && exec nexus serve"]
