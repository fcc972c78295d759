# syntax=docker/dockerfile:1
# The pgshift services, one image per target:
#   docker build --target batcher -t pgshift-batcher .
#   docker build --target loader  -t pgshift-loader  .
#   docker build --target control -t pgshift-control .
# All carry the compiled CLI too, as the pgshift command: `docker compose exec loader pgshift --help`.
# Workspace packages resolve to their dist/ through the `default` export condition, so nothing runs tsx.

ARG NODE_IMAGE=node:24-slim

# ---------------------------------------------------------------- every workspace manifest
# npm ci checks each workspace's package.json against the lockfile, so all of them come along.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/runtime/package.json packages/runtime/
COPY packages/debezium/package.json packages/debezium/
COPY packages/csv/package.json packages/csv/
COPY packages/warehouse/package.json packages/warehouse/
COPY packages/cli/package.json packages/cli/
COPY services/batcher/package.json services/batcher/
COPY services/loader/package.json services/loader/
COPY services/control/package.json services/control/
COPY test/package.json test/

# ---------------------------------------------------------------- compile
FROM manifests AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY packages/ packages/
COPY services/ services/
# Only the shipped projects (and, through their references, the packages they use); test/ is not built.
RUN npx tsc -b services/batcher services/loader services/control packages/cli \
 && find packages services -path '*/dist/*' \( -name '*.test.*' -o -name '.tsbuildinfo' \) -delete

# ---------------------------------------------------------------- production dependencies
# A clean install without dev dependencies and without the test workspace, rather than a prune of the
# build tree, so nothing the compiler needed ships.
FROM manifests AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund \
      --workspace services/batcher --workspace services/loader --workspace services/control --workspace packages/cli \
 && npm cache clean --force

# ---------------------------------------------------------------- runtime (shared by every target)
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=build /app/packages/contracts/dist packages/contracts/dist/
COPY --from=build /app/packages/runtime/dist packages/runtime/dist/
COPY --from=build /app/packages/debezium/dist packages/debezium/dist/
COPY --from=build /app/packages/csv/dist packages/csv/dist/
COPY --from=build /app/packages/warehouse/dist packages/warehouse/dist/
COPY --from=build /app/packages/cli/dist packages/cli/dist/
COPY packages/cli/bin packages/cli/bin/
# The pgshift command on PATH: `docker compose exec loader pgshift tables`.
RUN ln -s /app/packages/cli/bin/pgshift.js /usr/local/bin/pgshift
COPY --from=build /app/services/batcher/dist services/batcher/dist/
COPY --from=build /app/services/loader/dist services/loader/dist/
COPY --from=build /app/services/control/dist services/control/dist/
COPY services/control/status-page services/control/status-page/
# Files stay root-owned: the service can read its code but not change it.
USER node

FROM runtime AS batcher
ENV PGSHIFT_HTTP_PORT=59101
EXPOSE 59101
CMD ["node", "--max-semi-space-size=64", "services/batcher/dist/main.js"]

FROM runtime AS loader
ENV PGSHIFT_HTTP_PORT=59102
EXPOSE 59102
CMD ["node", "--max-semi-space-size=64", "services/loader/dist/main.js"]

FROM runtime AS control
ENV PGSHIFT_HTTP_PORT=59103 PGSHIFT_CONTROL_PORT=59104
EXPOSE 59103 59104
CMD ["node", "services/control/dist/main.js"]
