# Relais: one image for every service, the worker and the migration job.
# Build: docker build -t relais .   (docker compose builds it for you)
FROM python:3.11-slim AS build
WORKDIR /src
# README* : the long description, when the tree has one (the glob tolerates its absence).
COPY pyproject.toml README* ./
COPY shared ./shared
COPY services ./services
# Wheels of Relais and of its runtime dependencies only (the dev extra is never installed).
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    RELAIS_ENV=production
# postgresql-client: `relais backup` calls pg_dump. Pango and DejaVu: the annual report's PDF
# (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 relais \
    && useradd --system --uid 10001 --gid relais --home-dir /app --shell /usr/sbin/nologin relais
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels relais && rm -rf /wheels
WORKDIR /app
RUN mkdir -p /app/var && chown relais:relais /app/var
USER relais
EXPOSE 8000
# Each compose service chooses its command; this default serves the orientation service.
CMD ["gunicorn", "-c", "python:shared.ops.gunicorn_conf", "services.orientation.wsgi:app"]
