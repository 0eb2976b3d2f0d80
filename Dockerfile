# pymem: the Slack bot, plus the `pymem` command line, in one image.
#
#   docker build -t pymem .
#   docker run --rm -e SLACK_BOT_TOKEN=xoxb-... -e SLACK_APP_TOKEN=xapp-... \
#     -e PROMETHEUS_URL=http://prometheus:9090 -v pymem-data:/data pymem
#
# See README.md, "Deploying pymem", for every setting.

# Node 24 (the active LTS) on Debian 12, bookworm, in both stages: the run-time libraries installed
# below are bookworm's. The tests run on Node 24 as well as on Node 20 (README, "Requirements").
#
# Pinned by digest: the multi-platform index of node:24-bookworm-slim as published for Node
# 24.21.0 (as public Dockerfiles that pin this tag state it; it could not be pulled where this was
# written, so check it before a release). To move the pin, on purpose (Node and Debian security
# fixes), on a machine that can reach Docker Hub run
#   docker buildx imagetools inspect node:24-bookworm-slim
# and copy the "Digest:" at the top of its output (the index, not a per-platform manifest) below;
# the checks in both stages then tell whether the native modules still load. One build can
# override it with --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest>.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build

# canvas (under chartjs-node-canvas) is compiled with node-gyp: a C++ toolchain, python3 for gyp,
# and the headers of the libraries it links. libgif-dev is not optional: without it the canvas
# build fails on gif_lib.h.
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

# Dependencies first, in their own layer, so that editing the sources does not recompile canvas.
# --ignore-scripts also skips the `prepare` build, which cannot run before the sources are copied;
# `npm rebuild` then runs the one install script needed here, canvas's. SQLite on Node 24 is
# better-sqlite3 13 (installed as better-sqlite3-13; src/store/sqlite-driver.ts says why), whose
# Node-API binaries come inside its npm package: nothing to compile or download. better-sqlite3
# 12 is the driver for Node 20 only: not built here, and removed below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts \
 && npm rebuild --foreground-scripts canvas

# The `build` script (also what `prepare` runs): tsc -p tsconfig.build.json -> dist/, then
# scripts/build-playground.ts bundles the playground page (esbuild) into dist/src/playground/.
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-playground.ts ./scripts/
COPY src ./src
COPY handlers ./handlers
RUN npm run build \
 && test -s dist/src/playground/page.bundle.js

# Production dependencies only (prune keeps the compiled module). What this image never loads
# goes too: canvas's object files; better-sqlite3 12, Node 20's driver; better-sqlite3 13's SQLite
# and C++ sources and its binaries for other platforms. The last line fails the build unless
# canvas and the SQLite driver pymem picks on this Node load and work (src/native-check.ts; the
# runtime stage checks again against its own, smaller set of libraries).
RUN npm prune --omit=dev \
 && rm -rf node_modules/canvas/build/Release/obj.target \
      node_modules/better-sqlite3 \
      node_modules/better-sqlite3-13/deps node_modules/better-sqlite3-13/src \
 && find node_modules/canvas/build -type f ! -name '*.node' -delete \
 && find node_modules/canvas/build -type d -empty -delete \
 && find node_modules/better-sqlite3-13/prebuilds -type f \
      ! -name "$(node -p 'process.platform + "-" + process.arch').node" -delete \
 && node dist/src/native-check.js

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# Run-time libraries only. canvas.node links cairo, pango/pangocairo, libjpeg, giflib and librsvg
# directly (readelf -d); libpng, freetype and glib, which it also links, come in as their
# dependencies. better-sqlite3 13's binary needs only libstdc++ and glibc 2.34 or later, which
# bookworm's base image has (2.36).
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
# The last line fails the build unless canvas and the SQLite driver load and work with this
# stage's libraries only: a run-time library missing from the apt-get list above shows here, not
# at the first chart.
RUN chmod 0755 /app/bin/pymem.js \
 && ln -s /app/bin/pymem.js /usr/local/bin/pymem \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /opt/yarn-v* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && node dist/src/native-check.js

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
