# One image for both roles: `node dist/main.js` (api) and `node dist/worker.js` (worker). docker-compose.yml builds it
# once as cloture:local. Node 20 latest patch: Cloture needs ^20.19.0 || >=22.12.0 (require() of ES modules).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The organizer console (web/, built by `npm run build` with the typed client in client/ into dist/console).
COPY web ./web
COPY client ./client
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# --disable-proto=throw: defence in depth against prototype pollution — any use of __proto__ throws instead of
# reaching Object.prototype (the whole stack runs with it; the test suite checks it).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 NODE_OPTIONS=--disable-proto=throw
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY data ./data
USER node
EXPOSE 3000
# The api's check; the worker's (`node dist/worker-health.js`, its heartbeat in PostgreSQL) is set in docker-compose.yml.
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
