# syntax=docker/dockerfile:1
# Multi-stage: dependencies are installed in a throw-away stage; the runtime image holds only what
# runs, as the unprivileged `node` user.
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

# The web app is built with the dev dependencies (Vite), and only its output is kept.
FROM node:20.20.2-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY web ./web
COPY pipeline/domain ./pipeline/domain
RUN node node_modules/vite/bin/vite.js build --config web/vite.config.ts

FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json tsconfig.json ./
COPY --chown=node:node types ./types
COPY --chown=node:node pipeline ./pipeline
COPY --chown=node:node api ./api
COPY --from=web --chown=node:node /app/web/dist ./web/dist
# The administration CLI (tokens, organisations, audit verify, verify-evidence, detect, export-training,
# model); `model evaluate` scores with models/evaluation.
COPY --chown=node:node cli/hazardscope.ts cli/api-client.ts ./cli/
COPY --chown=node:node cli/commands ./cli/commands
COPY --chown=node:node models/evaluation ./models/evaluation
COPY --chown=node:node models/hazard-v1 ./models/hazard-v1
COPY --chown=node:node models/hazard-v2 ./models/hazard-v2
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "--import", "tsx", "api/server.ts"]
