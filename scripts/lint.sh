#!/usr/bin/env bash
# Static checks: ruff (rules in pyproject.toml) and mypy (strict on bot/domain and bot/services, normal on the rest).
set -euo pipefail
cd "$(dirname "$0")/.."
uv run ruff check . && uv run mypy
