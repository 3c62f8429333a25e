"""docker-compose.yml, the Dockerfile and .env.example describe a complete production.

No container engine runs here, so nothing is started: the files are read, compose's
${NAME} interpolation is done the way compose does it with .env.example standing in
for the operator's .env, and the settings module is imported with that environment.
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from django.conf import settings

from deploy import prod_local
from reports.photos import MAX_UPLOAD_BYTES
from tests.services import require_binary

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "portal.conf.template"

REQUIRED_SERVICES = {
    "postgres",
    "redis",
    "minio",
    "web",
    "ws",
    "proxy",
    "worker",
    "beat",
}
APP_SERVICES = {"migrate", "web", "ws", "worker", "beat"}
LONG_RUNNING = REQUIRED_SERVICES
ONE_SHOT = {"migrate", "createbucket"}
PHOTOS_PER_REPORT = 5


def read_env_file(path):
    """KEY=VALUE lines as compose reads them: comments, blanks, optional quotes."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert "=" in line, f"{path.name}:{number} is not KEY=VALUE: {line!r}"
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        assert key not in values, f"{path.name} sets {key} twice"
        values[key.strip()] = value
    return values


INTERPOLATION = re.compile(r"\$\$|\$\{(\w+)(?:(:?)([-?])([^}]*))?\}")


def interpolate(text, env):
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}; $$ is a dollar."""

    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name, colon, kind, argument = match.groups()
        value = env.get(name)
        unset = value is None or (colon and value == "")
        if kind == "-" and unset:
            return argument
        if kind == "?" and unset:
            raise AssertionError(f"compose would stop: {name} unset ({argument})")
        return value or ""

    return INTERPOLATION.sub(replace, text)


@pytest.fixture(scope="module")
def example():
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def compose(example):
    return yaml.safe_load(interpolate(COMPOSE.read_text(), example))


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def environment_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def env_files(service):
    return [
        item if isinstance(item, str) else item["path"]
        for item in as_list(service.get("env_file"))
    ]


def option(command, name):
    """The value of --name=value or --name value in a command list."""
    for index, word in enumerate(command):
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
        if word == name:
            return command[index + 1]
    return None


def test_every_service_of_the_production_shape_is_defined(services):
    assert REQUIRED_SERVICES <= set(services)
    assert APP_SERVICES | ONE_SHOT <= set(services)


def test_env_example_sets_every_required_setting_for_production(example):
    missing = [
        name for name in settings.REQUIRED_IN_PRODUCTION if not example.get(name)
    ]
    assert not missing, f".env.example lacks {missing}"
    assert example["PORTAL_ENV"] == "production"
    assert example["BEHIND_TLS_PROXY"] == "true"


def test_every_app_service_reads_env_and_gets_every_required_setting(services, example):
    for name in APP_SERVICES:
        service = services[name]
        assert ".env" in env_files(service), f"{name} does not read .env"
        provided = {**example, **environment_of(service)}
        missing = [
            key for key in settings.REQUIRED_IN_PRODUCTION if not provided.get(key)
        ]
        assert not missing, f"{name} lacks {missing}"
        assert provided["PORTAL_ENV"] == "production", name


def test_the_app_services_run_the_image_of_the_dockerfile(services):
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(images) == 1, images
    assert all(services[name].get("build") == "." for name in APP_SERVICES)


def test_secrets_come_from_env_and_nothing_in_compose_is_a_literal_secret():
    text = COMPOSE.read_text()
    for line in text.splitlines():
        match = re.match(r"\s*(\w*(PASSWORD|SECRET)\w*):\s*(.+)", line)
        if match:
            assert match.group(3).startswith("${"), line
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_every_variable_compose_needs_is_in_the_example(example):
    for match in INTERPOLATION.finditer(COMPOSE.read_text()):
        name, _colon, kind, _argument = match.groups()
        if name and kind != "-":
            assert name in example, f"docker-compose.yml needs {name} in .env"


def test_the_service_urls_agree_with_the_services(example, services):
    database = urlparse(example["DATABASE_URL"])
    postgres = environment_of(services["postgres"])
    assert database.scheme in ("postgres", "postgresql")
    assert database.hostname == "postgres"
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]
    assert urlparse(example["REDIS_URL"]).hostname == "redis"
    assert urlparse(example["S3_ENDPOINT_URL"]).netloc == "minio:9000"
    bucket = environment_of(services["createbucket"])
    assert bucket["S3_BUCKET"] == example["S3_BUCKET"]
    assert bucket["S3_ACCESS_KEY_ID"] == example["S3_ACCESS_KEY_ID"]
    assert bucket["S3_SECRET_ACCESS_KEY"] == example["S3_SECRET_ACCESS_KEY"]


def test_long_running_services_have_health_checks(services):
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck") or {}
        assert check.get("test"), f"{name} has no health check"
        assert not check.get("disable"), name
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    for name in ("web", "ws"):
        assert any("/healthz" in word for word in services[name]["healthcheck"]["test"])


def test_services_start_once_what_they_need_is_healthy(services):
    def needs(name):
        return {
            other: condition["condition"]
            for other, condition in services[name].get("depends_on", {}).items()
        }

    for name in APP_SERVICES:
        assert needs(name)["postgres"] == "service_healthy", name
    for name in APP_SERVICES - {"migrate"}:
        assert needs(name)["redis"] == "service_healthy", name
        assert needs(name)["migrate"] == "service_completed_successfully", name
        assert needs(name)["createbucket"] == "service_completed_successfully", name
    assert needs("createbucket") == {"minio": "service_healthy"}
    assert needs("proxy") == {"web": "service_healthy", "ws": "service_healthy"}
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no", name


def test_each_process_runs_what_the_design_says(services):
    web = as_list(services["web"]["command"])
    assert web[:2] == ["gunicorn", "cthainguyen.wsgi"]
    assert int(option(web, "--workers")) >= 2
    ws = as_list(services["ws"]["command"])
    assert ws[:2] == ["uvicorn", "cthainguyen.asgi:application"]
    worker = as_list(services["worker"]["command"])
    assert worker[0] == "celery" and "worker" in worker
    assert option(worker, "--app") == "cthainguyen"
    beat = as_list(services["beat"]["command"])
    assert beat[0] == "celery" and "beat" in beat
    assert option(beat, "--app") == "cthainguyen"
    assert as_list(services["migrate"]["command"])[-2:] == ["migrate", "--noinput"]


def test_only_the_proxy_publishes_a_port_on_loopback_by_default(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    raw = yaml.safe_load(COMPOSE.read_text())["services"]["proxy"]["ports"]
    assert interpolate(raw[0], {}) == "127.0.0.1:8080:80"


def test_the_proxy_routes_ws_to_ws_with_upgrade_headers_and_the_rest_to_web(services):
    proxy = services["proxy"]
    env = environment_of(proxy)
    mounts = [volume.split(":") for volume in proxy["volumes"]]
    assert [
        "./deploy/nginx/portal.conf.template",
        "/etc/nginx/templates/default.conf.template",
        "ro",
    ] in mounts
    template = NGINX_TEMPLATE.read_text()
    used = set(re.findall(r"\$\{(\w+)\}", template)) - {"NAME"}
    assert used <= set(env), f"the proxy does not set {used - set(env)}"
    conf = prod_local.render(template, {name: env[name] for name in used})

    ws_port = option(as_list(services["ws"]["command"]), "--port")
    web_bind = option(as_list(services["web"]["command"]), "--bind")
    web_port = web_bind.rsplit(":", 1)[1]
    assert re.search(rf"upstream portal_ws \{{\s*server ws:{ws_port};", conf)
    assert re.search(rf"upstream portal_web \{{\s*server web:{web_port};", conf)
    ws_location = re.search(r"location /ws/ \{(.*?)\n    \}", conf, re.S).group(1)
    assert "proxy_pass http://portal_ws;" in ws_location
    assert "proxy_http_version 1.1;" in ws_location
    assert "proxy_set_header Upgrade $http_upgrade;" in ws_location
    assert "proxy_set_header Connection $portal_connection_upgrade;" in ws_location
    root_location = re.search(r"location / \{(.*?)\n    \}", conf, re.S).group(1)
    assert "proxy_pass http://portal_web;" in root_location
    for location in (ws_location, root_location):
        assert "proxy_set_header X-Forwarded-Proto $portal_forwarded_proto;" in location
        assert "proxy_set_header Host $http_host;" in location


def test_the_proxy_accepts_a_report_with_five_photos_at_the_limit(services):
    size = environment_of(services["proxy"])["CLIENT_MAX_BODY_SIZE"]
    number, unit = re.fullmatch(r"(\d+)([km]?)", size.lower()).groups()
    limit = int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]
    assert limit >= PHOTOS_PER_REPORT * MAX_UPLOAD_BYTES + 1024 * 1024
    assert limit <= 2 * PHOTOS_PER_REPORT * MAX_UPLOAD_BYTES


def test_the_rendered_proxy_config_is_valid_nginx(tmp_path):
    nginx = require_binary("nginx", "apt-get install nginx")
    portal = tmp_path / "portal.conf"
    portal.write_text(
        prod_local.render(
            NGINX_TEMPLATE.read_text(),
            {
                "PROXY_LISTEN": "127.0.0.1:8080",
                "WEB_UPSTREAM": "127.0.0.1:8000",
                "WS_UPSTREAM": "127.0.0.1:8001",
                "CLIENT_MAX_BODY_SIZE": "80m",
                "TRUST_FORWARDED_PROTO": "on",
            },
        )
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(prod_local.nginx_main_config(tmp_path, tmp_path, tmp_path, portal))
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_dockerfile_builds_a_non_root_image_with_static_files():
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert lines[0] == "FROM python:3.11-slim"
    text = "\n".join(lines)
    assert "RUN pip install ." in text
    assert "collectstatic --noinput" in text
    assert "EXPOSE 8000" in text
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    # The image is built from the repository without the developer's secrets.
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


def test_the_settings_load_in_production_with_the_example_alone(example):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    env.update(example)
    env["PORTAL_ENV"] = "production"
    env["VAR_DIR"] = str(ROOT / "var")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # Whether HSTS covers every subdomain of the province's domain, or asks for the
    # browsers' preload list, is the province's decision, not the portal's.
    warnings = set(re.findall(r"\((\w+\.[WE]\d+)\)", result.stderr + result.stdout))
    assert warnings <= {"security.W005", "security.W021"}, result.stderr
