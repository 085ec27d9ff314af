"""The two-command set-up behind ``python3 run.py`` and ``python3 run.py test``.

Standard library only: this package runs under the system Python before the project's
virtual environment exists, and then again inside it to start and supervise the services.
"""
