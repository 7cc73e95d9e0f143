# syntax=docker/dockerfile:1
# IFTB image: `iftb live` (paper by default) with the operations API on :8000 (/health, /metrics).
#   docker build -t iftb:$(git rev-parse --short HEAD) .
# Build stage: all dependencies (npm ci runs `prepare`, i.e. the TypeScript build, which needs the
# dev dependencies). Runtime stage: production dependencies only, the built dist/, non-root.

ARG NODE_IMAGE=node:20-bookworm-slim
# package.json's allowScripts (which dependencies may run install scripts) needs npm 11; node:20 ships npm 10.
ARG NPM_VERSION=11.19.1

FROM ${NODE_IMAGE} AS build
ARG NPM_VERSION
RUN npm install -g npm@${NPM_VERSION}
WORKDIR /src
COPY package.json package-lock.json ./
# Sources first: `prepare` (npm run build) compiles them during npm ci.
COPY tsconfig.json ./
COPY src ./src
COPY strategies ./strategies
COPY bench ./bench
RUN npm ci --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG NPM_VERSION
RUN npm install -g npm@${NPM_VERSION}
# pg_dump/pg_restore (`iftb db backup|restore`, PostgreSQL 15 like the compose server) and
# redis-cli (scripts/backup.sh) for the backup job that runs in this image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client-15 redis-tools ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    IFTB_MODELS_DIR=/app/models \
    IFTB_DB=/app/data/iftb.duckdb \
    IFTB_BACKUP_DIR=/backup
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` would run the TypeScript build, which the runtime has neither tools nor sources for:
# the build stage's dist/ is copied instead. Dependencies' own install scripts still run.
RUN npm pkg delete scripts.prepare \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY migrations ./migrations
COPY strategies ./strategies
COPY scripts ./scripts
COPY models ./models
COPY deploy/config ./config
RUN chmod 0755 dist/src/cli/main.js \
 && ln -s /app/dist/src/cli/main.js /usr/local/bin/iftb \
 && mkdir -p /app/data /app/reports /backup \
 && chown -R node:node /app/models /app/data /app/reports /backup
USER node
EXPOSE 8000
# docker stop sends SIGTERM and waits 10 s; `iftb live` stops within 9 s (positions kept by default).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["iftb"]
CMD ["live", "--config", "/app/config/live.json", "--api-port", "8000", "--api-host", "0.0.0.0", "--quiet"]
