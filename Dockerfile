# One image for every process: web (default), worker (`qcluster`), one-off commands.
#   docker compose up                                                       # web + worker + PostgreSQL + Redis
#   docker build -t ghtraffic .
#   docker run -p 8000:8000 --env-file .env ghtraffic                       # web
#   docker run --env-file .env ghtraffic python manage.py qcluster          # worker + scheduler
# `make prod-smoke` (run by .ci/run) repeats these build steps outside Docker and starts the result.

FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PORT=8000
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --home /app app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
COPY --from=assets /build/static/vendor ./static/vendor
# collectstatic needs settings to load; these throwaway values exist only for this build step.
RUN SECRET_KEY=collectstatic-only FIELD_ENCRYPTION_KEY=Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o= \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput \
 && chmod +x docker-entrypoint.sh && chown -R app:app /app
USER app
EXPOSE 8000
# django-q2's qcluster hangs on SIGTERM (django-q2 issue #346) but stops cleanly on SIGINT;
# gunicorn also shuts down on SIGINT, so one stop signal serves every process of this image.
STOPSIGNAL SIGINT
# Web: GET /healthz. A container whose main process is qcluster: a running cluster (see the script).
HEALTHCHECK --interval=30s --timeout=20s --start-period=30s CMD ["python", "scripts/healthcheck.py"]
ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["sh", "-c", "gunicorn ghtraffic.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
