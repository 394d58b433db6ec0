# syntax=docker/dockerfile:1
# 知产通: one image for the api and the worker (the command picks: `api`, `worker`, `create-admin`,
# `rotate-data-key`). How to build and run it: docs/operations.md and deploy/compose.yaml.
#
#   docker build -t zhichantong:$(git rev-parse --short HEAD) .
#
# Needs the npm registry (or a mirror: --build-arg NPM_REGISTRY=...) during the build, nothing at run time.

ARG NODE_IMAGE=node:20-bookworm-slim

# ── build: install the workspace, build the console, cut a production-only copy of the worker package ──
FROM ${NODE_IMAGE} AS build
# The version in package.json's packageManager (another pnpm 10 would download that one itself first).
# Installed with npm, not corepack: corepack's signature check fails behind our networks' proxies.
ARG PNPM_VERSION=10.34.9
ARG NPM_REGISTRY=https://registry.npmjs.org/
ENV npm_config_registry=${NPM_REGISTRY}
RUN npm i -g pnpm@${PNPM_VERSION}
WORKDIR /src

# The lockfile alone decides what is downloaded, so this layer stays cached until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store pnpm fetch

COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm install --frozen-lockfile --offline

# The console's static files, served by the api at /admin/ (ADMIN_STATIC_DIR below).
RUN pnpm --filter @zct/admin build

# @zct/jobs depends on @zct/api, so one deploy holds both programs and one set of production packages.
# inject-workspace-packages: pnpm 10 deploys from the shared lockfile (exact versions) only with it.
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm --filter @zct/jobs --prod --config.inject-workspace-packages=true deploy /out/jobs
# The processes run TypeScript through tsx's loader: it must be a production dependency, or nothing starts.
RUN test -e /out/jobs/node_modules/tsx \
 || { echo 'tsx 必须是 @zct/jobs 和 @zct/api 的生产依赖（dependencies）' >&2; exit 1; }

# ── run ──
FROM ${NODE_IMAGE}
# HOST: every interface of the container (the api, and a worker's /metrics); the network decides who reaches it.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ADMIN_STATIC_DIR=/app/console \
    STORAGE_DIR=/data/files
WORKDIR /app/jobs
# Code stays owned by root and read-only for the process; only /data/files is its to write.
# tsconfig.base.json: the deployed tsconfig.json extends ../tsconfig.base.json, and tsx compiles with it.
COPY --from=build /src/tsconfig.base.json /app/tsconfig.base.json
COPY --from=build /out/jobs /app/jobs
COPY --from=build /src/admin/dist /app/console
COPY --chmod=0755 deploy/docker/entrypoint.sh deploy/docker/healthcheck.mjs /app/
RUN mkdir -p /data/files && chown node:node /data/files
# `node` (uid 1000) comes with the official image. tsx keeps its compile cache in /tmp.
USER node
EXPOSE 3000 9464
# Liveness of either role (see healthcheck.mjs); readiness is GET /readyz, for the proxy and the operator.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["api"]
