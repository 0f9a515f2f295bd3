"""deploy/ agrees with the app: every setting in the environment file, units that start
the real command lines with the documented paths, nginx limits and time-outs that fit the
app's. (The nginx site itself runs in test_two_servers.py.)"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course.cli import make_parser
from tests.conftest import REPO
from webapp import cli, config
from webapp.services import authoring
from webapp.views import signin_sheets

DEPLOY = REPO / "deploy"
ENV_FILE = DEPLOY / "dobro.env.example"
SITE = (DEPLOY / "nginx" / "dobro.conf").read_text(encoding="utf-8")
UNITS = {name: DEPLOY / "systemd" / f"{name}.service" for name in ("dobro", "dobro-worker")}
SETTING = re.compile(r"\bDOBRO_[A-Z][A-Z0-9_]*[A-Z0-9]\b")
# Read by the test harness and browser tests, never by the app.
NOT_SETTINGS = {"DOBRO_TEST_DATABASE_URL", "DOBRO_CHROMIUM", "DOBRO_SHOTS",
                "DOBRO_SCREENSHOTS"}


def env_lines() -> list[tuple[str, str, str]]:
    """(name, value, the comment just above) for each setting of the example file."""
    found, comment = [], ""
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            comment += line[1:].strip() + " "
        elif "=" in line:
            name, value = line.split("=", 1)
            if len(value) > 1 and value[0] == value[-1] == '"':  # as systemd reads it
                value = value[1:-1]
            found.append((name, value, comment.strip()))
            comment = ""
        else:
            comment = ""
    return found


def app_settings() -> set[str]:
    """Every DOBRO_* name the app and the core read (their sources, not the tests)."""
    names: set[str] = set()
    for folder in ("webapp", "course"):
        for path in (REPO / folder).rglob("*.py"):
            names |= set(SETTING.findall(path.read_text(encoding="utf-8")))
    return names - NOT_SETTINGS


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS[name], encoding="utf-8")
    return parser


def nginx_seconds(directive: str) -> int:
    match = re.search(rf"^\s*{directive} (\d+)s;", SITE, re.M)
    assert match, directive
    return int(match.group(1))


def nginx_megabytes(after: str = "") -> int:
    """client_max_body_size of the server (or of the location ``after`` names)."""
    text = SITE[SITE.index(after):] if after else SITE
    match = re.search(r"client_max_body_size (\d+)m;", text)
    assert match
    return int(match.group(1))


def test_every_setting_is_in_the_environment_file_with_a_comment() -> None:
    lines = env_lines()
    names = [name for name, _value, _comment in lines]
    assert len(names) == len(set(names)), "a setting twice"
    assert app_settings() <= set(names), app_settings() - set(names)
    assert set(names) <= app_settings(), f"not read by the app: {set(names) - app_settings()}"
    for name, _value, comment in lines:
        assert len(comment) > 20, f"{name} has no comment"
    values = {name: value for name, value, _comment in lines}
    assert values["DOBRO_SECRET_KEY"] == "", "a secret in the example"
    assert "secrets.token_hex" in ENV_FILE.read_text(encoding="utf-8")
    assert values["DOBRO_TRUSTED_PROXIES"] == "1"  # nginx in front


def test_the_environment_file_is_accepted_as_it_is(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    for name, value, _comment in env_lines():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DOBRO_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    settings = config.settings(tmp_path, {})  # a bad number or job mode would raise
    assert settings["BASE_URL"].startswith("https://")
    assert settings["TRUSTED_PROXIES"] == 1
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_a_shell_reads_the_environment_file_as_systemd_does() -> None:
    # docs/administration.md runs dobro commands with `set -a; . /etc/dobro/dobro.env`.
    shell = subprocess.run(["bash", "-c", f"set -a; . {shlex.quote(str(ENV_FILE))}; env -0"],
                           capture_output=True, text=True, check=True, env={})
    read = dict(item.split("=", 1) for item in shell.stdout.split("\0") if "=" in item)
    for name, value, _comment in env_lines():
        assert read[name] == value, name


@pytest.mark.parametrize("name", sorted(UNITS))
def test_the_units_run_dobro_hardened_with_the_environment_file(name: str) -> None:
    service = unit(name)["Service"]
    env = {n: v for n, v, _c in env_lines()}
    assert service["User"] == "dobro" and service["EnvironmentFile"] == "/etc/dobro/dobro.env"
    for option, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                          ("PrivateTmp", "yes"), ("ProtectHome", "yes")):
        assert service[option] == value, option
    writable = service["ReadWritePaths"].split()
    assert env["DOBRO_INSTANCE"] in writable  # the instance folder, and StateDirectory makes it
    assert "/var/lib/" + service["StateDirectory"] == env["DOBRO_INSTANCE"]
    assert service["WorkingDirectory"] == env["DOBRO_CONTENT"]
    command = shlex.split(service["ExecStart"])
    assert command[0] == f"{env['DOBRO_CONTENT']}/.venv/bin/dobro"
    parser, verbs = make_parser()
    cli.add_web_verbs(verbs)
    args = parser.parse_args(command[1:])  # the real parser takes the unit's options
    assert args.verb == ("serve" if name == "dobro" else "worker")
    if name == "dobro":
        assert service["ExecReload"] == "/bin/kill -s HUP $MAINPID"  # graceful, no drop
        assert service["Type"] == "notify"  # gunicorn's arbiter says READY=1
        # Stopping waits for requests in progress (gunicorn waits --timeout).
        assert int(service["TimeoutStopSec"]) > args.timeout
        # The web editor writes the course and rebuilds it.
        for part in ("modules", "quizzes", "build"):
            assert f"-{env['DOBRO_CONTENT']}/{part}" in writable


def test_nginx_waits_longer_than_the_app_and_takes_what_the_app_takes() -> None:
    command = shlex.split(unit("dobro")["Service"]["ExecStart"])
    timeout = int(command[command.index("--timeout") + 1])
    for directive in ("proxy_read_timeout", "proxy_send_timeout"):
        assert timeout < nginx_seconds(directive) <= timeout + 15, directive
    env = {n: v for n, v, _c in env_lines()}
    assert int(env["DOBRO_MAX_UPLOAD_MB"]) < nginx_megabytes()  # the app's message answers
    form_limit_mb = 7 * authoring.MAX_BYTES / 1024 / 1024
    assert form_limit_mb < nginx_megabytes("location /trainer/authoring/")
    scan_limit_mb = signin_sheets.SCAN_LIMIT / 1024 / 1024  # a signed sign-in sheet
    assert scan_limit_mb < nginx_megabytes("location ~ ^/sessions/[0-9]+/sign-in-sheet$")
    # The folders nginx serves are the app's: static files, the course's assets.
    assert f"alias {env['DOBRO_CONTENT']}/webapp/static/;" in SITE
    assert f"alias {env['DOBRO_CONTENT']}/build/assets/;" in SITE
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in SITE
    assert "X-Forwarded-Proto $scheme" in SITE


def test_the_authoring_form_limit_is_the_one_nginx_allows_for() -> None:
    from webapp.views.authoring import FORM_LIMIT

    assert FORM_LIMIT == 7 * authoring.MAX_BYTES


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    dobro = Path(sys.executable).parent / "dobro"
    for path in UNITS.values():
        text = path.read_text(encoding="utf-8").replace("/srv/dobro/app/.venv/bin/dobro",
                                                         str(dobro))
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify",
                             *(str(tmp_path / p.name) for p in UNITS.values())],
                            capture_output=True, text=True, check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "dobro" in line and "Failed to" not in line]
    assert not problems, problems


@pytest.mark.slow  # starts dobro serve
def test_dobro_serve_tells_systemd_it_is_ready(tmp_path: Path) -> None:
    """dobro.service is Type=notify, NotifyAccess=main: the process systemd started (not a
    worker) must send READY=1, or systemd would kill it after its start time-out."""
    import os
    import socket
    import struct

    from course.build import build
    from tests.conftest import copy_course
    from tests.serving import free_port

    dobro = Path(sys.executable).parent / "dobro"
    if not dobro.exists():
        pytest.skip("the dobro console script is not installed")
    root = copy_course("webapp-mini", tmp_path)
    build(root, root / "build", jobs=1)
    address = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(address)
        notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        notify.settimeout(60)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOBRO_")}
        env.update(NOTIFY_SOCKET=address, DOBRO_CONTENT=str(root),
                   DOBRO_INSTANCE=str(tmp_path / "instance"))
        process = subprocess.Popen([str(dobro), "serve", "--port", str(free_port()),
                                    "--workers", "1"], env=env, cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            message, ancillary, _flags, _address = notify.recvmsg(
                1024, socket.CMSG_SPACE(struct.calcsize("3i")))
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert b"READY=1" in message.split(b"\n")
    credentials = [data for level, kind, data in ancillary
                   if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS]
    assert credentials, "no sender credentials"
    sender_pid = struct.unpack("3i", credentials[0][:struct.calcsize("3i")])[0]
    assert sender_pid == process.pid  # the main process: NotifyAccess=main accepts it
