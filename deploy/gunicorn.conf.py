"""gunicorn settings for KhaiBao behind nginx (deploy/nginx/khaibao.conf).

Run from the project directory with the portal's environment loaded (see
deploy/systemd/khaibao-web.service):

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py

Read from the environment, beside the portal's own variables (.env.example):
  GUNICORN_BIND     address to listen on; default 127.0.0.1:8001, where nginx's upstream
                    points. Keep it on loopback or a private interface: gunicorn trusts
                    X-Forwarded-Proto from the proxies, and only nginx may reach it.
  GUNICORN_WORKERS  worker processes; default 2 × CPU cores + 1.
  TRUSTED_PROXIES   the portal's own setting (the proxies' addresses), reused below.
"""

import os


def _cores() -> int:
    # The CPUs this process may run on (a container or a systemd CPUAffinity= limits
    # them), not every CPU of the host.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _workers() -> int:
    value = os.environ.get("GUNICORN_WORKERS", "").strip()
    if not value:
        # Sync workers wait on PostgreSQL and Redis for most of a request, so more
        # workers than cores keep the CPUs busy (gunicorn's own rule of thumb). Each
        # worker can hold a 60 MP photo being decoded (a few hundred MB at peak): on a
        # small machine with many cores, set GUNICORN_WORKERS lower.
        return 2 * _cores() + 1
    try:
        workers = int(value)
    except ValueError:
        raise SystemExit(f"GUNICORN_WORKERS must be a whole number; got {value!r}.") from None
    if workers < 1:
        raise SystemExit(f"GUNICORN_WORKERS must be at least 1; got {workers}.")
    return workers


wsgi_app = "khaibao.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8001"]
workers = _workers()
worker_class = "sync"

# nginx reads the whole request body before it opens the connection to gunicorn
# (proxy_request_buffering on, the default, kept explicit in khaibao.conf), so a 10 MB
# photo from a phone on a slow network arrives here at loopback speed: the phone's
# slowness is nginx's client_body_timeout, not this. What a worker may take is the
# work itself: decoding, rotating and re-encoding a large photo, reading a CCCD QR,
# signing a certificate; 60 s leaves ample room and still frees a stuck worker.
timeout = 60
# On a restart or reload (SIGHUP) a worker finishes the request it is serving.
graceful_timeout = 30
# Sync workers close the connection after each response; nginx opens a new one.
keepalive = 2

# Recycle a worker after this many requests (jittered so they do not restart at once):
# a slow leak in a library, or memory kept after a huge photo, is handed back.
max_requests = 1000
max_requests_jitter = 100

# The heartbeat file each worker touches: in memory, so a slow disk never makes the
# arbiter think a busy worker hung.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Peers whose X-Forwarded-Proto (and the other secure-scheme headers) gunicorn believes
# when it sets wsgi.url_scheme. The same proxies the portal trusts for X-Forwarded-For;
# with none configured, gunicorn's default (loopback: nginx on the same host).
# This does NOT change REMOTE_ADDR: gunicorn leaves it at the socket peer (nginx), and
# the portal finds the client in X-Forwarded-For itself (khaibao/lib/clientip.py).
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "").strip() or "127.0.0.1,::1"

# gunicorn ≥ 25 opens a control socket under $HOME by default; the service's home is
# read-only and systemd's signals (reload = HUP, stop = TERM) are all that is needed.
control_socket_disable = True

# Logs go to stdout/stderr, where systemd's journal (or a container runtime) keeps them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# %(h)s is the socket peer (nginx). The client is the right-most address in
# X-Forwarded-For that is not a trusted proxy; addresses left of it were written by the
# client and are logged for the record only.
access_log_format = (
    'client=%({x-forwarded-for}i)s peer=%(h)s %(u)s %(t)s "%(r)s" %(s)s %(b)s '
    '"%(f)s" "%(a)s" %(M)sms'
)
