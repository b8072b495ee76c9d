"""gunicorn's configuration (the Dockerfile's server), sized from the environment.

gthread workers: a request mostly waits on PostgreSQL, so a few threads per process keep
both cores busy without a process per connection. The defaults are what bench/http_load.py
measured best on the 2-core reference machine (docs/benchmarks.md); size WEB_CONCURRENCY
and GUNICORN_THREADS for yours.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
accesslog = "-"
forwarded_allow_ips = "*"  # the proxy in front sets X-Forwarded-Proto
keepalive = 5
