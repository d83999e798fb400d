# syntax=docker/dockerfile:1
# One file, one target per service:  docker build --target tcp-gateway -t chatfleet/tcp-gateway .
# node:20-bookworm-slim has glibc 2.36, which the uWebSockets.js build in use needs.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.base.json ./
COPY services/protocol/package.json services/protocol/
COPY services/runtime/package.json services/runtime/
COPY services/store/package.json services/store/
COPY services/gateway-core/package.json services/gateway-core/
COPY services/testing/package.json services/testing/
COPY services/tcp-gateway/package.json services/tcp-gateway/
COPY services/ws-gateway/package.json services/ws-gateway/
COPY services/matchmaker/package.json services/matchmaker/
COPY services/history-writer/package.json services/history-writer/
COPY services/terminal-client/package.json services/terminal-client/
COPY infra/package.json infra/
COPY dashboards/package.json dashboards/
RUN npm ci --no-audit --no-fund
COPY services services
COPY infra infra
RUN npm run build

# Only production dependencies of one service and the packages it uses: no compiler, no browser, no cdktf.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS tcp-gateway
COPY --from=build /app/package.json /app/package-lock.json /app/.npmrc ./
COPY --from=build /app/services/protocol/package.json services/protocol/
COPY --from=build /app/services/runtime/package.json services/runtime/
COPY --from=build /app/services/store/package.json services/store/
COPY --from=build /app/services/gateway-core/package.json services/gateway-core/
COPY --from=build /app/services/tcp-gateway/package.json services/tcp-gateway/
RUN npm ci --omit=dev --no-audit --no-fund -w @chatfleet/tcp-gateway && npm cache clean --force
COPY --from=build /app/services/protocol/dist services/protocol/dist
COPY --from=build /app/services/runtime/dist services/runtime/dist
COPY --from=build /app/services/store/dist services/store/dist
COPY --from=build /app/services/store/lua services/store/lua
COPY --from=build /app/services/gateway-core/dist services/gateway-core/dist
COPY --from=build /app/services/tcp-gateway/dist services/tcp-gateway/dist
USER node
EXPOSE 8888 9101
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9101)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ARG GIT_SHA=unknown
ENV GIT_SHA=${GIT_SHA}
CMD ["node", "--enable-source-maps", "services/tcp-gateway/dist/main.js"]

FROM runtime AS ws-gateway
COPY --from=build /app/package.json /app/package-lock.json /app/.npmrc ./
COPY --from=build /app/services/protocol/package.json services/protocol/
COPY --from=build /app/services/runtime/package.json services/runtime/
COPY --from=build /app/services/store/package.json services/store/
COPY --from=build /app/services/gateway-core/package.json services/gateway-core/
COPY --from=build /app/services/ws-gateway/package.json services/ws-gateway/
COPY scripts/prune-uws.mjs /tmp/prune-uws.mjs
# Only the uWebSockets.js build this image's Node loads (checked by loading it): ~92 MB less.
RUN npm ci --omit=dev --no-audit --no-fund -w @chatfleet/ws-gateway && npm cache clean --force \
  && node /tmp/prune-uws.mjs && rm /tmp/prune-uws.mjs
COPY --from=build /app/services/protocol/dist services/protocol/dist
COPY --from=build /app/services/runtime/dist services/runtime/dist
COPY --from=build /app/services/store/dist services/store/dist
COPY --from=build /app/services/store/lua services/store/lua
COPY --from=build /app/services/gateway-core/dist services/gateway-core/dist
COPY --from=build /app/services/ws-gateway/dist services/ws-gateway/dist
USER node
EXPOSE 8080 9102
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9102)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ARG GIT_SHA=unknown
ENV GIT_SHA=${GIT_SHA}
CMD ["node", "--enable-source-maps", "services/ws-gateway/dist/main.js"]

FROM runtime AS matchmaker
COPY --from=build /app/package.json /app/package-lock.json /app/.npmrc ./
COPY --from=build /app/services/protocol/package.json services/protocol/
COPY --from=build /app/services/runtime/package.json services/runtime/
COPY --from=build /app/services/store/package.json services/store/
COPY --from=build /app/services/matchmaker/package.json services/matchmaker/
RUN npm ci --omit=dev --no-audit --no-fund -w @chatfleet/matchmaker && npm cache clean --force
COPY --from=build /app/services/protocol/dist services/protocol/dist
COPY --from=build /app/services/runtime/dist services/runtime/dist
COPY --from=build /app/services/store/dist services/store/dist
COPY --from=build /app/services/store/lua services/store/lua
COPY --from=build /app/services/matchmaker/dist services/matchmaker/dist
COPY --from=build /app/services/matchmaker/lua services/matchmaker/lua
USER node
EXPOSE 9103
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9103)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ARG GIT_SHA=unknown
ENV GIT_SHA=${GIT_SHA}
CMD ["node", "--enable-source-maps", "services/matchmaker/dist/main.js"]

FROM runtime AS history-writer
COPY --from=build /app/package.json /app/package-lock.json /app/.npmrc ./
COPY --from=build /app/services/protocol/package.json services/protocol/
COPY --from=build /app/services/runtime/package.json services/runtime/
COPY --from=build /app/services/store/package.json services/store/
COPY --from=build /app/services/history-writer/package.json services/history-writer/
RUN npm ci --omit=dev --no-audit --no-fund -w @chatfleet/history-writer && npm cache clean --force
COPY --from=build /app/services/protocol/dist services/protocol/dist
COPY --from=build /app/services/runtime/dist services/runtime/dist
COPY --from=build /app/services/store/dist services/store/dist
COPY --from=build /app/services/store/lua services/store/lua
COPY --from=build /app/services/history-writer/dist services/history-writer/dist
USER node
EXPOSE 9104
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9104)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ARG GIT_SHA=unknown
ENV GIT_SHA=${GIT_SHA}
CMD ["node", "--enable-source-maps", "services/history-writer/dist/main.js"]

# Grafana with our dashboards and the Prometheus datasource provisioned.
FROM grafana/grafana-oss:11.3.0 AS grafana
COPY infra/monitoring/grafana/provisioning /etc/grafana/provisioning
COPY dashboards/grafana /var/lib/grafana/dashboards
