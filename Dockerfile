# syntax=docker/dockerfile:1
# One image for both zones' apps (and the dev-only simulated J-LIS); docker-compose.yml picks the command.
# Build: docker build -t madoguchi .

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when its prebuilt binary cannot be fetched (ENVIRONMENT.md).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# The code stays root-owned and read-only for the app user; only /var/lib/madoguchi is writable.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Templates, stylesheets and forms are read from the source tree at run time (dist/ holds only JavaScript).
COPY --from=build /app/apps/portal/views ./apps/portal/views
COPY --from=build /app/apps/portal/public ./apps/portal/public
COPY --from=build /app/apps/backoffice/views ./apps/backoffice/views
COPY --from=build /app/apps/backoffice/public ./apps/backoffice/public
COPY --from=build /app/libs/web/src/assets ./libs/web/src/assets
COPY --from=build /app/forms ./forms
# A new named volume takes the owner of its mount point from the image.
RUN mkdir -p /var/lib/madoguchi/portal /var/lib/madoguchi/backoffice /var/lib/madoguchi/jlis \
  && chown -R node:node /var/lib/madoguchi
USER node
EXPOSE 3000 3001
CMD ["node", "dist/apps/portal/src/main.js"]
