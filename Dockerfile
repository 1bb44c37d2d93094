# The hub's image: one image, several roles (worker, ingest, api) chosen by the command.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 fusionhub
WORKDIR /app
COPY pyproject.toml README.md ./
COPY fusionhub ./fusionhub
COPY schemas ./schemas
RUN pip install --no-cache-dir .
USER fusionhub
# Inside a container the services must listen on the container's interface; the host still
# publishes them on 127.0.0.1 only (see docker-compose.yml).
ENV FUSIONHUB_STREAMS__WEB_HOST=0.0.0.0
ENTRYPOINT ["fusionhub"]
CMD ["up"]
