# Production image: the front-end is built in a Node stage, then copied into a slim Python image.
FROM node:22-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
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
