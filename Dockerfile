# syntax=docker/dockerfile:1
# ctem in a container, as a non-root user. Multi-stage: `deps` installs the workspace from the lock
# file (better-sqlite3 builds its native module there), `runtime` carries only the installed tree and
# the sources onto a clean image. ctem runs its TypeScript through tsx today; once the server issue
# adds a build, the runtime stage should copy the built output and production dependencies only.
# The command is `ctem serve` (added by the server issue; until then the container exits with
# ctem's usage message). Data (the SQLite app tables, the key file, feeds) lives in /data.

ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
RUN corepack enable
WORKDIR /app
# Manifests first, so the install layer is reused while only sources change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY apps/server/package.json apps/server/package.json
COPY apps/web/package.json apps/web/package.json
COPY packages/bench/package.json packages/bench/package.json
COPY packages/discovery/package.json packages/discovery/package.json
COPY packages/engine/package.json packages/engine/package.json
COPY packages/intel/package.json packages/intel/package.json
COPY packages/model/package.json packages/model/package.json
COPY packages/store/package.json packages/store/package.json
COPY packages/testkit/package.json packages/testkit/package.json
RUN pnpm install --frozen-lockfile
COPY . .

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
  CTEM_DATA=/data
RUN groupadd --system --gid 10001 ctem \
  && useradd --system --uid 10001 --gid ctem --home-dir /app --shell /usr/sbin/nologin ctem \
  && mkdir -p /data \
  && chown ctem:ctem /data
WORKDIR /app
# Owned by root and read-only to ctem: the process can write only its data directory.
COPY --from=deps /app /app
USER ctem:ctem
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["node", "--max-semi-space-size=64", "--import", "tsx", "apps/server/src/bin/ctem.ts"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
