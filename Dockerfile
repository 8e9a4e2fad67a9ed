FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TANDEM_VAR_DIR=/data STATIC_ROOT=/app/staticfiles
WORKDIR /app

# Cairo and a font for the PRISMA diagram's PNG and PDF downloads (CairoSVG).
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml requirements.lock README.md ./
RUN pip install --no-cache-dir -c requirements.lock . && useradd --create-home --uid 1000 tandem \
    && mkdir -p /data && chown tandem /data
COPY --chown=tandem . .
# collectstatic needs settings, not secrets: a throwaway random key is made for this build step only (the
# settings refuse a short or example key when DEBUG is off).
RUN DEBUG=0 SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(60))')" ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput

USER tandem
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
