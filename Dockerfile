# The fdl worker and CLI. Mount your project (fdl.yaml and handler modules) at /project.
FROM python:3.11-slim
WORKDIR /src
COPY pyproject.toml README.md ./
COPY translator translator
COPY worker worker
COPY cli cli
RUN pip install --no-cache-dir .
WORKDIR /project
CMD ["fdl", "worker"]
