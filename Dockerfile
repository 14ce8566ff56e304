# ventas-ops container image: a no-dev virtual environment built with uv, run as a non-root user, the bot's
# home (.env optional, SQLite file, proofs, backups, exports) in the /data volume.
#   docker build -t ventas-ops .      (or podman build)
#   docker run --env-file .env -v ventas-ops-data:/data ventas-ops
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# dependencies first (a layer that changes only with uv.lock), then the project itself
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY README.md alembic.ini ./
COPY bot ./bot
COPY db ./db
COPY migrations ./migrations
RUN uv sync --frozen --no-dev --no-editable

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home ventas \
    && mkdir -p /data && chown ventas:ventas /data
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    VENTAS_OPS_HOME=/data \
    HEALTH_PORT=8080 \
    PYTHONUNBUFFERED=1
USER ventas
WORKDIR /data
VOLUME ["/data"]
# 200 only while the Discord gateway is connected and the database answers (bot/healthz.py)
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=5); sys.exit(0)"]
ENTRYPOINT ["ventas-ops"]
CMD ["bot"]
