# The fdl image: the CLI and worker with the `mns` extra (Alibaba's MNS SDK), so projects
# that send to real MNS run too. docker-compose.yml mounts a project (fdl.yaml and handler
# modules) at /project. Python 3.11 is the version the test suite runs on.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY translator translator
COPY worker worker
COPY cli cli
RUN pip install ".[mns,fnf]" \
    && useradd --create-home --uid 1000 fdl \
    && mkdir -p /var/lib/fdl /project \
    && chown fdl:fdl /var/lib/fdl

# Unprivileged; /var/lib/fdl holds the local queue file (a volume shared with `fdl queue serve`).
USER fdl
WORKDIR /project
CMD ["fdl", "worker"]
