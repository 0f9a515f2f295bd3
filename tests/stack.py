"""The production stack on one machine: nginx in front of several ``dobro serve``.

``Stack`` starts what deploy/ describes, without root and on free ports: the app servers
(gunicorn, ``dobro serve``), each with its own copy of the course and its own instance
folder holding the same secret key and issuer key, all on one database; and nginx running
THE shipped site, deploy/nginx/dobro.conf, with only its placeholders replaced (ports, a
self-signed certificate, the static and asset folders, the upstream's servers). The
two-server journey (tests/deploy/) and the load benchmark (bench/load.py) use it::

    with Stack(tmp_path, database_url, servers=2) as stack:
        stack.run("demo", "--force")
        urllib.request.urlopen(stack.base_url + "/healthz", context=stack.ssl_context())

Each process runs in a process group of its own; leaving the ``with`` stops every group
(TERM, then KILL), so no server outlives the stack.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "deploy" / "nginx" / "dobro.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DOBRO = Path(sys.executable).parent / "dobro"
MIME_TYPES = Path("/etc/nginx/mime.types")
STATIC = REPO / "webapp" / "static"
# The repository's own course: its sources, compiled once per stack.
COURSE_PARTS = ("modules", "quizzes", "bulletins")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
SERVER_HEADER = "X-Dobro-Server"


class StackError(RuntimeError):
    """A part of the stack would not start; the message carries its log."""


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def missing() -> str:
    """What the stack needs and this machine lacks ('' when nothing)."""
    if not Path(NGINX).exists():
        return f"no nginx at {NGINX} (apt-get install nginx)"
    if not MIME_TYPES.exists():
        return f"no {MIME_TYPES} (apt-get install nginx-common)"
    if not DOBRO.exists():
        return f"the dobro console script is not installed at {DOBRO}"
    return ""


class Stack:
    """nginx → ``servers`` app servers → one database, started in ``workdir``.

    ``workers``/``threads``: gunicorn's per app server. ``content``: a course root to copy
    (default: the repository's course). ``env``: DOBRO_* settings added to every server's
    environment (and to ``run``). ``job_workers``: ``dobro worker`` processes to start
    beside the servers (0: none; ``dobro serve`` runs its own job thread).
    """

    def __init__(self, workdir: Path, database_url: str, servers: int = 2, workers: int = 1,
                 threads: int = 4, content: Path | None = None,
                 env: dict[str, str] | None = None, *, job_workers: int = 0,
                 nginx_workers: int = 1, timeout: int = 60) -> None:
        if servers < 1:
            raise ValueError("a stack needs at least one app server")
        self.workdir = Path(workdir).resolve()
        self.database_url = database_url
        self.servers = servers
        self.workers = workers
        self.threads = threads
        self.content = content
        self.extra_env = dict(env or {})
        self.job_workers = job_workers
        self.nginx_workers = nginx_workers
        self.timeout = timeout
        self.https_port = free_port()
        self.http_port = free_port()
        self.ports = [free_port() for _ in range(servers)]
        self.base_url = f"https://127.0.0.1:{self.https_port}"
        self.http_url = f"http://127.0.0.1:{self.http_port}"
        self.server_urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.labels = [f"app{number + 1}" for number in range(servers)]
        self.server_logs = [self.workdir / label / "serve.log" for label in self.labels]
        self.nginx_dir = self.workdir / "nginx"
        self.nginx_conf = self.nginx_dir / "nginx.conf"
        self.access_log = self.nginx_dir / "access.log"
        self.error_log = self.nginx_dir / "error.log"
        self._processes: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    # -- the parts --------------------------------------------------------------------

    def content_root(self, number: int) -> Path:
        """App server ``number``'s copy of the course (0-based)."""
        return self.workdir / self.labels[number] / "course"

    def instance(self, number: int) -> Path:
        """App server ``number``'s instance folder (0-based)."""
        return self.workdir / self.labels[number] / "instance"

    def environment(self, number: int = 0) -> dict[str, str]:
        """The environment app server ``number`` runs with (none of the caller's DOBRO_*)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOBRO_")}
        env.update(
            DOBRO_DATABASE_URL=self.database_url,
            DOBRO_CONTENT=str(self.content_root(number)),
            DOBRO_INSTANCE=str(self.instance(number)),
            DOBRO_BASE_URL=self.base_url,
            DOBRO_TRUSTED_PROXIES="1",
            DOBRO_SERVER_LABEL=self.labels[number],
        )
        env.update(self.extra_env)
        return env

    def run(self, *args: str, number: int = 0, check: bool = True,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``dobro ARGS`` as app server ``number`` would (its course, instance, database)."""
        result = subprocess.run([str(DOBRO), *args], env=self.environment(number),
                                cwd=self.workdir, capture_output=True, text=True,
                                timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise StackError(f"dobro {' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr}")
        return result

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the stack's self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.nginx_dir / "cert.pem"))

    def server_of(self, headers: Any) -> int:
        """Which app server (0-based) answered a response with these headers (-1: nginx).

        ``headers``: anything with ``items()`` (urllib's, Playwright's lower-cased dict).
        """
        wanted = SERVER_HEADER.lower()
        label = next((value for name, value in headers.items() if name.lower() == wanted), "")
        return self.labels.index(label) if label in self.labels else -1

    # -- start and stop ---------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self._prepare()
            self.run("db", "upgrade")
            for number in range(self.servers):
                self._start(self.labels[number], number,
                            ["serve", "--host", "127.0.0.1", "--port", str(self.ports[number]),
                             "--workers", str(self.workers), "--threads", str(self.threads),
                             "--timeout", str(self.timeout), "--no-access-log"])
            for number in range(self.job_workers):
                self._start(f"worker{number + 1}", number % self.servers, ["worker"])
            self._start_nginx()
            for number, url in enumerate(self.server_urls):
                self._wait(url + "/healthz", self.server_logs[number])
            self._wait(self.base_url + "/healthz", self.error_log)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop every process the stack started (each one's whole process group)."""
        for _name, process, _log in self._processes:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for _name, process, _log in self._processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for _name, process, _log in self._processes:
            _signal_group(process, signal.SIGKILL)  # gunicorn workers left behind, if any
            if process.poll() is None:
                process.wait(timeout=10)
        self._processes.clear()

    def _prepare(self) -> None:
        """The course (built once, copied to each server), the shared keys, nginx's files."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        first = self.content_root(0)
        first.parent.mkdir(parents=True, exist_ok=True)
        if self.content is not None:
            shutil.copytree(self.content, first, ignore=shutil.ignore_patterns("build"))
        else:
            first.mkdir()
            for part in COURSE_PARTS:
                if (REPO / part).exists():
                    shutil.copytree(REPO / part, first / part)
        self.run("build", str(first))
        keys = self.workdir / "keys"
        keys.mkdir(exist_ok=True)
        _write_keys(keys)
        for number in range(self.servers):
            if number:
                self.content_root(number).parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(first, self.content_root(number))
            instance = self.instance(number)
            instance.mkdir(mode=0o700, parents=True, exist_ok=True)
            for key in keys.iterdir():
                shutil.copy2(key, instance / key.name)
        self.nginx_dir.mkdir(exist_ok=True)
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.nginx_dir / "tmp" / folder).mkdir(parents=True, exist_ok=True)
        _write_certificate(self.nginx_dir)
        (self.nginx_dir / "dobro.conf").write_text(self.render_site(), encoding="utf-8")
        self.nginx_conf.write_text(self._main_config(), encoding="utf-8")

    def render_site(self) -> str:
        """deploy/nginx/dobro.conf with its placeholders replaced for this stack.

        Every replacement must find its placeholder: a site changed without this harness
        fails here rather than being tested half-replaced.
        """
        site = SITE.read_text(encoding="utf-8")
        upstream = "".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n"
                           for port in self.ports)
        assets = self.content_root(0) / "build" / "assets"
        replacements: list[tuple[str, str]] = [
            (r"(?m)^    server 127\.0\.0\.1:800\d [^\n]*\n", ""),
            (r"(upstream dobro_app \{\n(?:    #[^\n]*\n)*)", r"\g<1>" + upstream),
            (r"(?m)^[ \t]*listen \[::\]:(80|443)[^;]*;\n", ""),
            (r"listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            (r"listen 443 ssl", f"listen 127.0.0.1:{self.https_port} ssl"),
            (r"/etc/letsencrypt/live/dobro\.example\.org/fullchain\.pem",
             str(self.nginx_dir / "cert.pem")),
            (r"/etc/letsencrypt/live/dobro\.example\.org/privkey\.pem",
             str(self.nginx_dir / "key.pem")),
            (r"/srv/dobro/app/webapp/static/", f"{STATIC}/"),
            (r"/srv/dobro/app/build/assets/", f"{assets}/"),
            (r"root /var/www/html;", f"root {self.nginx_dir / 'acme'};"),
            (r"/var/log/nginx/dobro\.access\.log", str(self.access_log)),
        ]
        for pattern, replacement in replacements:
            site, count = re.subn(pattern, replacement.replace("\\", "\\\\")
                                  if "\\g<" not in replacement else replacement, site)
            if not count:
                raise StackError(f"{SITE} has no {pattern!r} to replace: update tests/stack.py")
        return site

    def _main_config(self) -> str:
        here = self.nginx_dir
        # As root (CI), the workers would become 'nobody', who cannot read a 0700 temp folder.
        user = "user root;\n" if os.geteuid() == 0 else ""
        return f"""{user}worker_processes {self.nginx_workers};
daemon off;
pid {here / 'nginx.pid'};
error_log {self.error_log} warn;
events {{ worker_connections 4096; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    sendfile on;
    access_log {self.access_log};
    client_body_temp_path {here / 'tmp' / 'body'};
    proxy_temp_path {here / 'tmp' / 'proxy'};
    fastcgi_temp_path {here / 'tmp' / 'fastcgi'};
    uwsgi_temp_path {here / 'tmp' / 'uwsgi'};
    scgi_temp_path {here / 'tmp' / 'scgi'};
    include {here / 'dobro.conf'};
}}
"""

    def _start(self, name: str, number: int, args: list[str]) -> None:
        log = self.workdir / name / ("serve.log" if args[0] == "serve" else f"{name}.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as output:
            process = subprocess.Popen([str(DOBRO), *args], env=self.environment(number),
                                       cwd=self.workdir, stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self._processes.append((name, process, log))

    def _start_nginx(self) -> None:
        prefix = f"{self.nginx_dir}/"
        test = subprocess.run([NGINX, "-t", "-p", prefix, "-c", str(self.nginx_conf),
                               "-e", str(self.error_log)],
                              capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise StackError(f"nginx -t refused the rendered site:\n{test.stderr}")
        log = self.nginx_dir / "nginx.out"
        with open(log, "ab") as output:
            process = subprocess.Popen([NGINX, "-p", prefix, "-c", str(self.nginx_conf),
                                        "-e", str(self.error_log)],
                                       stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self._processes.append(("nginx", process, log))

    def _wait(self, url: str, log: Path) -> None:
        """Until ``url`` answers 200; a process that exits meanwhile ends the wait."""
        context = self.ssl_context() if url.startswith("https") else None
        deadline = time.monotonic() + START_TIMEOUT
        last = ""
        while time.monotonic() < deadline:
            for name, process, plog in self._processes:
                if process.poll() is not None:
                    raise StackError(f"{name} exited ({process.returncode}):\n"
                                     f"{_tail(plog)}")
            try:
                with urllib.request.urlopen(url, timeout=5, context=context) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                with exc:
                    last = f"{exc.code} {exc.read()[:200]!r}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = str(exc)
            time.sleep(0.2)
        raise StackError(f"{url} did not answer within {START_TIMEOUT} s ({last}):\n{_tail(log)}")


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)  # start_new_session: the group's id is the pid
    except (ProcessLookupError, PermissionError):
        pass


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_keys(folder: Path) -> None:
    """The instance's secret key and issuer key, made once and copied to every server."""
    import secrets

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from webapp.config import SECRET_FILE
    from webapp.services.badges import KEY_FILE

    _write_private(folder / SECRET_FILE, secrets.token_hex(32).encode("ascii"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_private(folder / KEY_FILE, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def _write_certificate(folder: Path) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    _write_private(folder / "key.pem", key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
