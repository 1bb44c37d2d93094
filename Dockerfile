# The hub's image: one image, several roles (worker, ingest, api) chosen by the command.
# The build stage compiles the ingest hot path with mypyc (as `make native` does locally) into a
# wheel; the image gets the wheel and the runtime lock only, no compiler and no dev tools.
FROM python:3.11-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY requirements-dev.lock ./
RUN python -m venv /opt/build \
 && /opt/build/bin/pip install --no-cache-dir --require-hashes -r requirements-dev.lock
COPY pyproject.toml README.md LICENSE ./
COPY schemas ./schemas
COPY scripts/build_native.py ./scripts/
COPY fusionhub ./fusionhub
# The compiled modules and their digest record go into the wheel (pyproject.toml: artifacts).
RUN /opt/build/bin/python scripts/build_native.py \
 && /opt/build/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 fusionhub
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/fusionhub \
 && /opt/fusionhub/bin/pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock
COPY --from=build /wheels /wheels
RUN /opt/fusionhub/bin/pip install --no-cache-dir --no-deps /wheels/*.whl && rm -rf /wheels
ENV PATH=/opt/fusionhub/bin:$PATH
USER fusionhub
WORKDIR /home/fusionhub
# Inside a container the services must listen on the container's interface; the host still
# publishes them on 127.0.0.1 only (see docker-compose.yml).
ENV FUSIONHUB_STREAMS__WEB_HOST=0.0.0.0
# Answers when the read API does (compose runs `up`, which starts it with the others).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8090/healthz', timeout=4)"]
ENTRYPOINT ["fusionhub"]
CMD ["up"]
