# kiun (機運) — the bot in a slim image, running as a non-root user.
#   docker build -t kiun .
#   docker run --rm --init --env-file .env -v kiun-data:/data kiun            # Socket Mode, SQLite in /data
#   docker run --rm --init --env-file .env -p 3000:3000 kiun sh -c "kiun db upgrade && exec kiun serve --http"
# docker-compose.yml runs it with PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 \
    TZ=Asia/Tokyo

# Install the package (with its bundled content/, prompts/ and migrations/), then drop the sources.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY prompts ./prompts
COPY migrations ./migrations
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin kiun \
    && mkdir -p /data && chown kiun:kiun /data
USER kiun
WORKDIR /data
VOLUME ["/data"]

# SQLite in the volume unless DATABASE_URL points at PostgreSQL (docker-compose.yml does).
ENV DATABASE_URL=sqlite:////data/kiun.db \
    KIUN_LOG_FORMAT=json

# Only used by `kiun serve --http`.
EXPOSE 3000

# `exec` lets the shell step aside so SIGTERM reaches kiun directly and shutdown is graceful (run with --init).
CMD ["sh", "-c", "kiun db upgrade && exec kiun serve"]
