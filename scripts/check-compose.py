#!/usr/bin/env python3
"""Keeps docker-compose.yml and the Dockerfile consistent with the native stack; run in CI.

  python3 scripts/check-compose.py        (needs PyYAML: pip install pyyaml)

Fails, listing every problem, when:
  - a port of stack/ports.env is not published by its service on the same host port (or a published port
    is neither in ports.env nor a declared compose-only port);
  - credentials, bucket, region, database names, broker properties or Connect topics differ from the
    native stack (stack/conf/*.properties);
  - connect-init does not register connect-config/pgshift-source.json, its extraction of the `config`
    object differs from the file, or Connect lacks an env var the connector JSON reads;
  - a bind-mounted path, a Dockerfile COPY source or a service's entry point does not exist in the repo;
  - an image has no explicit tag.
"""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

try:
    import yaml
except ImportError:
    sys.exit("check-compose: PyYAML is missing (pip install pyyaml)")

ROOT = Path(__file__).resolve().parent.parent
CONNECTOR_JSON = "connect-config/pgshift-source.json"

# ports.env key -> (compose service, container port). Every *_PORT key must be here or in NOT_PUBLISHED.
PUBLISHED = {
    "PG_SOURCE_PORT": ("source", 5432),
    "PG_WAREHOUSE_PORT": ("warehouse", 5432),
    "KAFKA_PORT": ("kafka", None),  # the EXTERNAL listener listens on the same port inside the container
    "CONNECT_PORT": ("connect", 8083),
    "REGISTRY_PORT": ("registry", 8080),
    "S3_PORT": ("s3", 7070),
    "BATCHER_HTTP_PORT": ("batcher", None),  # the service listens on PGSHIFT_HTTP_PORT = the host port
    "LOADER_HTTP_PORT": ("loader", None),
    "CONTROL_HTTP_PORT": ("control", 59103),  # PGSHIFT_HTTP_PORT of the control service
    "CONTROL_API_PORT": ("control", 59104),  # PGSHIFT_CONTROL_PORT
}
NOT_PUBLISHED = {
    "KAFKA_CONTROLLER_PORT": "the KRaft controller listener is internal to the kafka container",
    "REDSHIFT_DATA_PORT": "the Redshift Data API stand-in is started by the tests, not part of the stack",
}
COMPOSE_ONLY_PORTS = {"kafka-ui": 58080}


def main() -> int:
    problems: list[str] = []
    ports_env = read_ports_env(ROOT / "stack/ports.env")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services: dict = compose.get("services") or {}

    check_ports(ports_env, services, problems)
    check_credentials(ports_env, services, problems)
    check_kafka(services, problems)
    check_connect(services, problems)
    check_connect_init(services, problems)
    check_mounts_and_images(services, problems)
    check_dockerfile(services, problems)
    check_dockerignore(problems)

    if problems:
        print("check-compose: docker-compose.yml / Dockerfile drifted from the native stack:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"check-compose: ok ({len(services)} services, {len(PUBLISHED)} ports match stack/ports.env)")
    return 0


# ---------------------------------------------------------------- parsing helpers

def read_ports_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def published_ports(service: dict) -> list[tuple[str | None, int, int]]:
    """(host ip, host port, container port) for each entry of `ports`, short or long syntax."""
    result = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            result.append((entry.get("host_ip"), int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        if len(parts) == 3:
            result.append((parts[0], int(parts[1]), int(parts[2])))
        elif len(parts) == 2:
            result.append((None, int(parts[0]), int(parts[1])))
    return result


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def command_text(service: dict, key: str) -> str:
    value = service.get(key) or []
    return " ".join(value) if isinstance(value, list) else str(value)


def healthcheck_text(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test") or []
    return " ".join(test) if isinstance(test, list) else str(test)


# ---------------------------------------------------------------- checks

def check_ports(ports_env: dict[str, str], services: dict, problems: list[str]) -> None:
    for key in sorted(k for k in ports_env if k.endswith("_PORT")):
        if key not in PUBLISHED and key not in NOT_PUBLISHED:
            problems.append(f"stack/ports.env {key} is neither published by a compose service nor declared unpublished")
    accounted: set[tuple[str, int]] = set()
    for key, (name, container_port) in PUBLISHED.items():
        if key not in ports_env:
            problems.append(f"stack/ports.env has no {key}")
            continue
        want = int(ports_env[key])
        service = services.get(name)
        if service is None:
            problems.append(f"service {name} (publishes {key}) is missing")
            continue
        if name in ("batcher", "loader"):
            container_port = int(env_of(service).get("PGSHIFT_HTTP_PORT") or 0)
            if container_port != want:
                problems.append(f"{name}: PGSHIFT_HTTP_PORT is {container_port or 'unset'}, stack/ports.env {key}={want}")
            if f":{want}/healthz" not in healthcheck_text(service):
                problems.append(f"{name}: healthcheck does not probe /healthz on port {want}")
        if name == "kafka":
            container_port = kafka_external_port(service, want, problems)
        matches = [p for p in published_ports(service) if p[1] == want]
        if not matches:
            problems.append(f"{name}: host port {want} ({key}) is not published")
            continue
        host_ip, _, target = matches[0]
        if container_port is not None and target != container_port:
            problems.append(f"{name}: host port {want} maps to container port {target}, expected {container_port}")
        if host_ip != "127.0.0.1":
            problems.append(f"{name}: host port {want} is published on {host_ip or 'every interface'}, expected 127.0.0.1 as natively")
        accounted.add((name, want))
    native_ports = {int(v) for k, v in ports_env.items() if k.endswith("_PORT")}
    for name, service in services.items():
        for _, host_port, _ in published_ports(service):
            if (name, host_port) in accounted:
                continue
            if COMPOSE_ONLY_PORTS.get(name) == host_port and host_port not in native_ports:
                continue
            problems.append(f"{name}: publishes host port {host_port}, which stack/ports.env does not define")


def kafka_external_port(service: dict, want: int, problems: list[str]) -> int | None:
    env = env_of(service)
    advertised = env.get("KAFKA_ADVERTISED_LISTENERS", "")
    external = re.search(r"EXTERNAL://([^,:]+):(\d+)", advertised)
    if not external or int(external.group(2)) != want:
        problems.append(f"kafka: EXTERNAL is not advertised on port {want} (KAFKA_ADVERTISED_LISTENERS={advertised!r})")
    if not re.search(r"INTERNAL://kafka:\d+", advertised):
        problems.append("kafka: INTERNAL is not advertised as kafka:<port> for the other containers")
    listener = re.search(r"EXTERNAL://[^,:]*:(\d+)", env.get("KAFKA_LISTENERS", ""))
    if not listener:
        problems.append("kafka: KAFKA_LISTENERS has no EXTERNAL listener")
        return None
    return int(listener.group(1))


def check_credentials(ports_env: dict[str, str], services: dict, problems: list[str]) -> None:
    def expect(name: str, var: str, want: str) -> None:
        service = services.get(name)
        if service is None:
            problems.append(f"service {name} is missing")
            return
        got = env_of(service).get(var)
        if got != want:
            problems.append(f"{name}: {var}={got!r}, the native stack uses {want!r}")

    s3 = {"key": ports_env["S3_ACCESS_KEY"], "secret": ports_env["S3_SECRET_KEY"],
          "bucket": ports_env["S3_BUCKET"], "region": ports_env["S3_REGION"]}
    expect("s3", "ROOT_ACCESS_KEY", s3["key"])
    expect("s3", "ROOT_SECRET_KEY", s3["secret"])
    expect("create-bucket", "S3_ACCESS_KEY", s3["key"])
    expect("create-bucket", "S3_SECRET_KEY", s3["secret"])
    expect("create-bucket", "S3_BUCKET", s3["bucket"])
    expect("create-bucket", "S3_REGION", s3["region"])
    for name in ("batcher", "loader"):
        expect(name, "AWS_ACCESS_KEY_ID", s3["key"])
        expect(name, "AWS_SECRET_ACCESS_KEY", s3["secret"])
        expect(name, "PGSHIFT_S3_BUCKET", s3["bucket"])
        expect(name, "PGSHIFT_S3_REGION", s3["region"])
        expect(name, "PGSHIFT_S3_FORCE_PATH_STYLE", "true")
        expect(name, "PGSHIFT_BATCHES_TOPIC", "pgshift.batches")
    for name, db in (("source", "app"), ("warehouse", "warehouse")):
        expect(name, "POSTGRES_USER", "pgshift")
        expect(name, "POSTGRES_PASSWORD", "pgshift")
        expect(name, "POSTGRES_DB", db)
    expect("loader", "PGSHIFT_WAREHOUSE", "postgres")
    expect("loader", "PGSHIFT_WAREHOUSE_URL", "postgresql://pgshift:pgshift@warehouse:5432/warehouse")
    expect("registry", "APICURIO_DATASOURCE_USERNAME", "pgshift")
    expect("registry", "APICURIO_DATASOURCE_PASSWORD", "pgshift")
    init_sql = (ROOT / "docker/source-init.sql").read_text() if (ROOT / "docker/source-init.sql").exists() else ""
    for needle in ("ROLE debezium LOGIN REPLICATION PASSWORD 'debezium'", "pg_read_all_data TO debezium",
                   "CREATE PUBLICATION pgshift FOR ALL TABLES", "('registry')"):
        if needle not in init_sql:
            problems.append(f"docker/source-init.sql does not contain {needle!r} (stack.sh pg_source_setup does)")


# Broker properties whose compose value differs by design: listeners, quorum and paths.
KAFKA_NETWORK_PROPERTIES = {"controller.quorum.bootstrap.servers", "listeners", "advertised.listeners",
                            "listener.security.protocol.map", "inter.broker.listener.name", "log.dirs"}


def check_kafka(services: dict, problems: list[str]) -> None:
    """Every other property of stack/conf/kafka.properties has its KAFKA_* variable, with the same value."""
    env = env_of(services.get("kafka") or {})
    for prop, value in read_ports_env(ROOT / "stack/conf/kafka.properties").items():
        if prop in KAFKA_NETWORK_PROPERTIES:
            continue
        var = "KAFKA_" + prop.replace("_", "__").replace("-", "___").replace(".", "_").upper()
        if env.get(var) != value:
            problems.append(f"kafka: {var}={env.get(var)!r}, stack/conf/kafka.properties {prop}={value!r}")


def check_connect(services: dict, problems: list[str]) -> None:
    connect = services.get("connect")
    if connect is None:
        problems.append("service connect is missing")
        return
    env = env_of(connect)
    props = read_ports_env(ROOT / "stack/conf/connect-distributed.properties")  # same key=value format
    for var, prop in (("GROUP_ID", "group.id"), ("CONFIG_STORAGE_TOPIC", "config.storage.topic"),
                      ("OFFSET_STORAGE_TOPIC", "offset.storage.topic"), ("STATUS_STORAGE_TOPIC", "status.storage.topic"),
                      ("CONNECT_CONFIG_PROVIDERS", "config.providers"),
                      ("CONNECT_CONFIG_PROVIDERS_ENV_CLASS", "config.providers.env.class")):
        if env.get(var) != props.get(prop):
            problems.append(f"connect: {var}={env.get(var)!r}, stack/conf/connect-distributed.properties {prop}={props.get(prop)!r}")
    if env.get("ENABLE_APICURIO_CONVERTERS") != "true":
        problems.append("connect: ENABLE_APICURIO_CONVERTERS is not \"true\"; the connector uses the Apicurio Avro converter")
    connector = json.loads((ROOT / CONNECTOR_JSON).read_text())
    for var in sorted(set(re.findall(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", json.dumps(connector)))):
        if not env.get(var):
            problems.append(f"connect: {CONNECTOR_JSON} reads ${{env:{var}}}, which the connect container does not set")


def check_connect_init(services: dict, problems: list[str]) -> None:
    init = services.get("connect-init")
    if init is None:
        problems.append("service connect-init is missing")
        return
    # The container path of connect-config/pgshift-source.json, through whichever bind mount carries it.
    container_paths = []
    for volume in init.get("volumes") or []:
        source, _, rest = str(volume).partition(":")
        target = rest.split(":")[0]
        source = source.removeprefix("./").rstrip("/")
        if CONNECTOR_JSON == source:
            container_paths.append(target)
        elif CONNECTOR_JSON.startswith(source + "/"):
            container_paths.append(target.rstrip("/") + CONNECTOR_JSON[len(source):])
    invocation = command_text(init, "entrypoint") + " " + command_text(init, "command")
    if not container_paths:
        problems.append(f"connect-init: no volume mounts {CONNECTOR_JSON}")
    elif not any(path in invocation for path in container_paths):
        problems.append(f"connect-init: its entrypoint/command does not name {container_paths[0]} ({CONNECTOR_JSON})")
    if "connect" not in (init.get("depends_on") or {}):
        problems.append("connect-init: does not depend on connect")
    # The script's own extractor must yield exactly the file's name and config object.
    connector = json.loads((ROOT / CONNECTOR_JSON).read_text())
    for member in ("name", "config"):
        run = subprocess.run(["awk", "-v", f"member={member}", "-f", str(ROOT / "docker/json-member.awk"),
                              str(ROOT / CONNECTOR_JSON)], capture_output=True, text=True)
        try:
            extracted = json.loads(run.stdout) if run.returncode == 0 else None
        except json.JSONDecodeError:
            extracted = None
        if extracted != connector.get(member):
            problems.append(f"docker/json-member.awk extracts a different `{member}` from {CONNECTOR_JSON}")


def check_mounts_and_images(services: dict, problems: list[str]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith(("./", "../", "/")) and not (ROOT / source).exists():
                problems.append(f"{name}: bind mount source {source} does not exist")
        image = service.get("image")
        if "build" in service:
            continue
        if not image or ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
            problems.append(f"{name}: image {image!r} has no explicit version tag")


def check_dockerfile(services: dict, problems: list[str]) -> None:
    path = ROOT / "Dockerfile"
    if not path.exists():
        problems.append("Dockerfile is missing")
        return
    instructions = dockerfile_instructions(path.read_text())
    stages, copied = set(), set()
    stage = None
    commands: dict[str, list[str]] = {}
    for keyword, args in instructions:
        if keyword == "FROM":
            words = args.split()
            stage = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            if stage:
                stages.add(stage)
        elif keyword == "COPY":
            words = shlex.split(args)
            if any(w.startswith("--from=") for w in words):
                continue
            sources = [w for w in words if not w.startswith("--")][:-1]
            for source in sources:
                copied.add(source.rstrip("/"))
                if not list(ROOT.glob(source.rstrip("/"))):
                    problems.append(f"Dockerfile: COPY source {source} does not exist")
        elif keyword == "CMD" and stage:
            commands[stage] = json.loads(args) if args.startswith("[") else shlex.split(args)
        elif keyword == "RUN" and "tsc -b" in args:
            projects = re.search(r"tsc -b((?:\s+[\w./-]+)*)", args).group(1).split()
            for project in projects or ["."]:
                if not (ROOT / project / "tsconfig.json").exists():
                    problems.append(f"Dockerfile: tsc -b {project}: {project}/tsconfig.json does not exist")
                elif project != "." and not list((ROOT / project / "src").glob("*.ts")):
                    problems.append(f"Dockerfile: tsc -b {project}: {project}/src has no TypeScript to build")
    workspaces = json.loads((ROOT / "package.json").read_text()).get("workspaces", [])
    for pattern in workspaces:
        for manifest in sorted(ROOT.glob(f"{pattern}/package.json")):
            relative = manifest.relative_to(ROOT).as_posix()
            if relative not in copied:
                problems.append(f"Dockerfile: {relative} is not copied before npm ci (the lockfile lists that workspace)")
    for name in ("batcher", "loader", "control"):
        if name not in stages:
            problems.append(f"Dockerfile: no `{name}` target")
            continue
        command = commands.get(name, [])
        entry = next((w for w in command if w.endswith(".js")), None)
        if entry != f"services/{name}/dist/main.js":
            problems.append(f"Dockerfile: target {name} runs {command}, expected node services/{name}/dist/main.js")
        elif not (ROOT / f"services/{name}/src/main.ts").exists():
            problems.append(f"Dockerfile: target {name} runs {entry}, but services/{name}/src/main.ts does not exist")
        build = (services.get(name) or {}).get("build") or {}
        if not isinstance(build, dict) or build.get("target") != name:
            problems.append(f"compose: service {name} does not build Dockerfile target {name}")


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    instructions, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, args = current.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        current = ""
    return instructions


def check_dockerignore(problems: list[str]) -> None:
    path = ROOT / ".dockerignore"
    entries = set(path.read_text().split()) if path.exists() else set()
    for required in ("node_modules", ".stack", "dist", ".git", "bench/out"):
        if required not in entries:
            problems.append(f".dockerignore does not exclude {required}")


if __name__ == "__main__":
    sys.exit(main())
