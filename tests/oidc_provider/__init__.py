"""A small, real OpenID Connect provider (django-oauth-toolkit) that the single sign-on tests
start on loopback: its own Django project, its own SQLite file, an RSA key made for the run."""
