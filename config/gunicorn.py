"""gunicorn's configuration (the Dockerfile's server), sized from the environment.

gthread workers: threads cover the waits on PostgreSQL and Redis without a process per
connection, and keep a worker serving while one thread streams a long export. On the
2-core reference machine bench/http_load.py measured 3x1, 3x2, 2x4 and 4x4 within about
20 % of each other, with no layout ahead in every run (docs/benchmarks.md): there the
limit is Python time per request, not the server model. Size WEB_CONCURRENCY (about one
per core) and GUNICORN_THREADS for yours.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
accesslog = "-"
forwarded_allow_ips = "*"  # the proxy in front sets X-Forwarded-Proto
keepalive = 5
