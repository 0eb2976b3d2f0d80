# pymem: the Slack bot, plus the `pymem` command line, in one image.
#
#   docker build -t pymem .
#   docker run --rm -e SLACK_BOT_TOKEN=xoxb-... -e SLACK_APP_TOKEN=xapp-... \
#     -e PROMETHEUS_URL=http://prometheus:9090 -v pymem-data:/data pymem
#
# See README.md, "Deploying pymem", for every setting.

# Node 20 on Debian 12, the platform pymem is developed and tested on. Not Node 24 yet, although
# Node 20's support ended in April 2026: better-sqlite3 12 aborts the process on recent Node 24
# (reported from 24.19 on; seen here on 24.21, in test/unit/store-sqlite.test.ts, two runs of
# two): SIGABRT, "Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook, when a
# garbage collection finalises a Statement. better-sqlite3 13 avoids it (the same tests pass on
# 24.21) but needs Node 22 or later and crashes on 20. Moving means better-sqlite3 13 and Node 24
# together, with the tests run on 24.
#
# Pinned by tag only: the digest could not be read where this was written (no registry access).
# To pin it, on a machine that can pull, read the "Digest:" line (the multi-platform index) of
#   docker buildx imagetools inspect node:20-bookworm-slim
# and set the default below to node:20-bookworm-slim@sha256:<that digest>, or pass it per build
# with --build-arg NODE_IMAGE=node:20-bookworm-slim@sha256:<digest>. Move the pin on purpose, for
# Debian and Node security fixes.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build

# canvas (under chartjs-node-canvas) and better-sqlite3 are compiled with node-gyp: a C++
# toolchain, python3 for gyp, and the headers of the libraries canvas links. libgif-dev is not
# optional: without it the canvas build fails on gif_lib.h.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config \
      libcairo2-dev libpango1.0-dev libgif-dev libjpeg-dev librsvg2-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# npm_config_build_from_source: prebuild-install skips its GitHub download (which fails in
#   offline or proxied builds) and node-gyp compiles against this image's own libraries.
# npm_config_nodedir: node-gyp takes Node's headers from the image (/usr/local/include/node)
#   instead of downloading them from nodejs.org.
# NODE_ENV stays unset here: with NODE_ENV=production npm would skip the dev dependencies that
# the TypeScript build needs.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Dependencies first, in their own layer, so that editing the sources does not recompile the
# native modules (about two minutes). --ignore-scripts also skips the `prepare` build, which
# cannot run before the sources are copied; `npm rebuild` then runs the install scripts of the
# only two packages that need one at run time.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts \
 && npm rebuild --foreground-scripts canvas better-sqlite3

# The `build` script (also what `prepare` runs): tsc -p tsconfig.build.json -> dist/, then
# scripts/build-playground.ts bundles the playground page (esbuild) into dist/src/playground/.
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-playground.ts ./scripts/
COPY src ./src
COPY handlers ./handlers
RUN npm run build \
 && test -s dist/src/playground/page.bundle.js

# Production dependencies only (prune keeps the compiled modules). What only the compiler used
# goes too: object files, the static SQLite library and its sources, the test extension, about
# 25 MB. The last line fails the build if either native module no longer loads (the runtime stage
# checks again against its own, smaller set of libraries).
RUN npm prune --omit=dev \
 && rm -rf node_modules/better-sqlite3/deps \
      node_modules/canvas/build/Release/obj.target \
      node_modules/better-sqlite3/build/Release/obj.target \
      node_modules/better-sqlite3/build/Release/test_extension.node \
 && find node_modules/canvas/build node_modules/better-sqlite3/build -type f ! -name '*.node' -delete \
 && find node_modules/canvas/build node_modules/better-sqlite3/build -type d -empty -delete \
 && node -e "require('canvas'); new (require('better-sqlite3'))(':memory:').close()"

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# Run-time libraries only. canvas.node links cairo, pango/pangocairo, libjpeg, giflib and librsvg
# directly (readelf -d); libpng, freetype and glib, which it also links, come in as their
# dependencies. better_sqlite3.node needs only libstdc++ and libc, already in the base image.
# The charts ask for the "DejaVu Sans" font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libjpeg62-turbo libgif7 librsvg2-2 \
      fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric uid that matches no user on the host, so that Kubernetes' runAsNonRoot can
# check it and volume ownership (chown 10001) is predictable. /data holds the default SQLite
# database and must be writable by that user.
RUN groupadd --gid 10001 pymem \
 && useradd --uid 10001 --gid pymem --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin pymem \
 && mkdir -p /data \
 && chown pymem:pymem /data

WORKDIR /app
# The application files stay owned by root: the process can read them, not change them.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY manifest.yml ./
# `docker run --rm pymem pymem analyze checkout-api --demo` runs the command line (chmod: a
# checkout on a file system without modes would leave the script not executable).
#
# npm, npx, corepack and yarn go: the bot and the command line are started with node itself (CMD
# below, and bin/pymem.js's `#!/usr/bin/env node`), so here they would only be attack surface.
#
# The last line fails the build unless canvas and better-sqlite3 load with this stage's libraries
# only: a run-time library missing from the apt-get list above shows here, not at the first chart.
RUN chmod 0755 /app/bin/pymem.js \
 && ln -s /app/bin/pymem.js /usr/local/bin/pymem \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /opt/yarn-v* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && node -e "require('canvas'); new (require('better-sqlite3'))(':memory:').close()"

ENV NODE_ENV=production \
    DATABASE_URL=/data/pymem.sqlite
VOLUME ["/data"]

USER 10001:10001
EXPOSE 3000

# The bot answers GET /healthz on PORT in both HTTP and Socket Mode. Node's own fetch keeps the
# image free of curl or wget.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# On SIGTERM pymem keeps serving, not ready, for PYMEM_SHUTDOWN_DRAIN (10s by default), gives work
# in progress PYMEM_SHUTDOWN_GRACE (10s) to finish, closes the database and exits; at the latest
# 10s after the grace, 30s in all. `docker stop` kills after 10s, so run with --stop-timeout 35
# (deploy/kubernetes sets terminationGracePeriodSeconds: 35).
# CMD starts node directly (the base image's entrypoint execs it), not through npm, so the signal
# reaches pymem.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
