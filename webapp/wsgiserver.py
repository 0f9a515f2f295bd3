"""``dobro serve``'s production server: gunicorn, embedded (no separate config file).

gunicorn's ``gthread`` workers: a few processes, each with a few threads, sized from
the machine's cores (``workers_for``). Each worker creates its own app after the fork
(no app is preloaded), so no database connection is shared between processes, and a
``SIGHUP`` to the master (``systemctl reload dobro``) starts new workers with the new
code and course, then stops the old ones once they have answered what they hold: a
deployment drops no request. A worker busy longer than ``--timeout`` seconds on one
request is replaced. The access log is Apache's combined format plus the request's
time in microseconds, or one JSON object per line with ``--json-logs``.

gunicorn runs on Unix only; elsewhere ``dobro serve`` says so and points to ``--dev``
(Flask's development server) or to a WSGI server for the platform (waitress).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
THREADS = 4  # per worker: requests mostly wait on the database
MAX_WORKERS = 8


def workers_for(cores: int | None) -> int:
    """Worker processes for a machine with ``cores`` cores: one per core, from 2 to 8.

    Two at least, so that a slow request (a report, a PDF) never holds up the only
    process; each worker also runs ``THREADS`` threads.
    """
    return max(2, min(cores or 1, MAX_WORKERS))


def available() -> str:
    """Why gunicorn cannot run here, or '' when it can."""
    try:
        import gunicorn.app.base  # noqa: F401  (needs fcntl: Unix only)
    except ImportError as exc:
        return (f"gunicorn не работи на тази система ({exc}); използвайте „dobro serve --dev“ "
                "за проба или WSGI сървър за нея, напр. waitress: "
                "waitress-serve --call webapp:create_app / gunicorn does not run here")
    return ""


def json_logger_class() -> type:
    """gunicorn's logger, writing each access as one JSON object per line."""
    from gunicorn.glogging import Logger

    class JsonLogger(Logger):  # type: ignore[misc]
        def access(self, resp: Any, req: Any, environ: Mapping[str, Any],
                   request_time: Any) -> None:
            if not self.access_log_enabled:
                return
            atoms = self.atoms(resp, req, environ, request_time)
            self.access_log.info(json.dumps({
                "time": atoms["t"].strip("[]"), "remote": atoms["h"],
                "method": atoms["m"], "path": atoms["U"], "query": atoms["q"],
                "protocol": atoms["H"], "status": int(atoms["s"]),
                "bytes": 0 if atoms["B"] in (None, "-") else int(atoms["B"]),
                "duration_ms": round(int(atoms["D"]) / 1000, 1), "referer": atoms["f"],
                "agent": atoms["a"], "pid": atoms["p"]}, ensure_ascii=False))

    return JsonLogger


def start_jobs(worker: Any) -> None:
    """gunicorn's post_worker_init hook: start the worker's job runner thread."""
    from webapp import jobs

    jobs.serve_jobs(worker.wsgi)


def metrics_folder() -> str:
    """Where the workers keep their Prometheus counts (``PROMETHEUS_MULTIPROC_DIR``), so a
    scrape answered by any worker sums them all (``webapp.metrics``).

    Set before the app (and prometheus_client) is imported, which reads it once: a
    temporary folder made here and removed when the server stops, or the one named, emptied
    of the last run's files (a restarted server would add them in again).
    """
    import atexit
    import glob
    import shutil
    import tempfile

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for stale in glob.glob(os.path.join(folder, "*.db")):
            os.remove(stale)
        return folder
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dobro-metrics-")
    master = os.getpid()

    def remove() -> None:
        if os.getpid() == master:  # workers are forks: they run this too, and must not
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    return folder


def worker_gone(_server: Any, worker: Any) -> None:
    """gunicorn's child_exit hook: drop the live gauges of a worker that has stopped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def serve(make_app: Callable[[], Any], host: str, port: int, *, workers: int, threads: int,
          timeout: int, json_logs: bool, access_log: str | None = "-") -> None:
    """Serve the app ``make_app`` creates (once per worker) until the master is stopped.

    ``access_log``: where the access log goes ("-": standard output), or None for none —
    behind nginx, whose own access log has every request with the app's time
    (deploy/nginx/dobro.conf), a second one costs the app about 3 % of its CPU
    (bench/load.py, py-spy) and says nothing new.
    """
    from gunicorn.app.base import BaseApplication

    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "worker_class": "gthread", "workers": workers, "threads": threads,
        "timeout": timeout, "graceful_timeout": timeout, "keepalive": 5,
        "accesslog": access_log, "errorlog": "-", "access_log_format": ACCESS_FORMAT,
        # X-Forwarded-* are believed by the app alone, per DOBRO_TRUSTED_PROXIES (ProxyFix):
        # gunicorn trusts no one, so it never rewrites the scheme or address itself.
        "forwarded_allow_ips": "",
        "proc_name": "dobro", "preload_app": False,
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        # No control socket (gunicorn 25.1+): one path in the home folder that two
        # servers of one account would share; signals (HUP, TERM) manage the server.
        "control_socket_disable": True,
        "child_exit": worker_gone,  # its metrics (webapp.metrics)
    }
    # Each worker runs background jobs in a thread of its own (webapp.jobs), once its app
    # is loaded after the fork; DOBRO_JOBS=off leaves them to `dobro worker`.
    options["post_worker_init"] = start_jobs
    if json_logs:
        options["logger_class"] = json_logger_class()

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None and key in self.cfg.settings:  # older gunicorns lack some
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return make_app()

    Server().run()
