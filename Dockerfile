# Production image: the front-end is built in a Node stage, then copied into a slim Python image.
FROM node:22-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MPLCONFIGDIR=/app/var/matplotlib
# Pango and fonts for WeasyPrint's PDF reports; matplotlib draws their charts with the same fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libfontconfig1 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=assets /app/static/build ./static/build
RUN DEBUG=1 python manage.py collectstatic --noinput \
    && useradd --system --home /app pmf && mkdir -p /app/var && chown pmf /app/var
USER pmf
EXPOSE 8000
CMD ["gunicorn", "pmf.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
