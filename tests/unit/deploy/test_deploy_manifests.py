"""The Kubernetes manifests (deploy/k8s): render each kustomization and check what a cluster gets.

Every rendered document is validated offline: core kinds against the Kubernetes JSON schemas
bundled in `kubernetes-validate` (strict: unknown fields are errors), KEDA ScaledObjects
against deploy/k8s/schemas/keda-scaledobject-v1alpha1.json. Then the facts the platform
relies on: hardened non-root pods, probes on each service's own port, one Service per
service on 8001-8005, and autoscaling that never asks for more consumers than the topics
have partitions (shared.contracts.topics.TOPICS).

Rendering needs `kubectl` (its built-in kustomize); without it these tests fail under CI and
are skipped elsewhere.
"""

import ast
import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import NoReturn

import pytest

from shared.contracts import topics as topic_registry
from shared.contracts.topics import SERVICES, TOPICS
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
KEDA_SCHEMA = K8S / "schemas" / "keda-scaledobject-v1alpha1.json"
OVERLAYS = ("dev", "prod")
BUILDS = ("base", *(f"overlays/{name}" for name in OVERLAYS))
# The oldest Kubernetes minor these manifests promise to work on, and the newest bundled schema.
OLDEST_KUBERNETES = "1.29"
PORTS = dict(zip(SERVICES, range(8001, 8006), strict=True))
HTTP_FACING = {"intake", "publication"}  # the services with a public HTTP API besides health
SECRET_KEYS = {"HOTLINE_DATABASE_URL", "HOTLINE_SECRET_KEY"}
KAFKA_IDENTITY_KEYS = ("HOTLINE_KAFKA_SASL_USERNAME", "HOTLINE_KAFKA_SASL_PASSWORD")


def identity_of(where: str) -> str:
    """The Kafka identity of a pod template ("Deployment/hotline-sla" -> sla; the Jobs: admin)."""
    kind, name = where.split("/")
    return name.removeprefix("hotline-") if kind == "Deployment" else "admin"
UID = 10001


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        _unavailable("kubectl not found on PATH: it renders deploy/k8s (kubectl kustomize); "
                     "install kubectl >= 1.27 to run the manifest tests")
    return path


def _modules():
    try:
        import jsonschema
        import kubernetes_validate
        import yaml
    except ImportError as exc:  # the lead adds them to the dev extras; say so instead of erroring
        _unavailable(f"{exc.name} is not installed: `pip install -e .[dev]` (kubernetes-validate, pyyaml)")
    return jsonschema, kubernetes_validate, yaml


@cache
def _render_text(build: str) -> str:
    result = subprocess.run([_kubectl(), "kustomize", str(K8S / build)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"kubectl kustomize {build} failed:\n{result.stderr}"
    return result.stdout


def render(build: str) -> list[dict]:
    _, _, yaml = _modules()
    return [doc for doc in yaml.safe_load_all(_render_text(build)) if doc]


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def config_of(docs: list[dict]) -> dict:
    (config,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("hotline-config")]
    return config


def consumed_topics(service: str) -> tuple[str, ...]:
    """The `consumes=` of the service's SPEC, read from its entrypoint without importing it
    (a tuple of `topics.X`, or a module-level name bound to one)."""
    source = ROOT / "services" / service / "entrypoint.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    bound = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ServiceSpec":
            for keyword in node.keywords:
                if keyword.arg == "consumes":
                    value = keyword.value
                    if isinstance(value, ast.Name) and value.id in bound:
                        value = bound[value.id]
                    if not isinstance(value, ast.Tuple | ast.List):
                        raise AssertionError(f"{source}: cannot read consumes={ast.unparse(value)}")
                    return tuple(_topic_name(element, source) for element in value.elts)
            return ()
    raise AssertionError(f"{source}: no ServiceSpec(...) call found")


def _topic_name(node: ast.expr, source: Path) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "topics":
        return getattr(topic_registry, node.attr)
    raise AssertionError(f"{source}: cannot read consumed topic {ast.unparse(node)}")


def pod_templates(docs: list[dict]) -> dict[str, dict]:
    return {f"{d['kind']}/{d['metadata']['name']}": d["spec"]["template"]
            for d in docs if d["kind"] in ("Deployment", "Job")}


def container_port(container: dict, port: int | str) -> int:
    if isinstance(port, int):
        return port
    (found,) = [p["containerPort"] for p in container.get("ports", []) if p.get("name") == port]
    return found


# -- schemas ---------------------------------------------------------------------------------

@pytest.mark.parametrize("build", BUILDS)
def test_every_rendered_document_is_valid_against_its_schema(build):
    jsonschema, kubernetes_validate, _ = _modules()
    keda = jsonschema.Draft202012Validator(json.loads(KEDA_SCHEMA.read_text(encoding="utf-8")))
    versions = (OLDEST_KUBERNETES, kubernetes_validate.latest_version())
    problems = []
    for doc in render(build):
        where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        if doc.get("kind") == "TriggerAuthentication":
            refs = doc["spec"]["secretTargetRef"]
            if set(doc["spec"]) != {"secretTargetRef"} or not all(set(r) == {"parameter", "name", "key"} for r in refs):
                problems.append(f"{where}: only secretTargetRef entries of parameter, name and key")
            continue
        if doc.get("apiVersion", "").startswith("keda.sh/"):
            problems += [f"{where}: {'.'.join(map(str, e.path))}: {e.message}" for e in keda.iter_errors(doc)]
            continue
        for version in versions:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                problems.append(f"{where} (Kubernetes {version}): {'.'.join(map(str, e.path))}: {e.message}")
            except kubernetes_validate.SchemaNotFoundError as e:
                problems.append(f"{where}: no schema, unexpected kind: {e.message}")
    assert not problems, "\n".join(problems)


def test_keda_schema_is_valid_and_catches_the_usual_mistakes():
    jsonschema, _, _ = _modules()
    schema = json.loads(KEDA_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    good = {
        "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "x"},
        "spec": {"scaleTargetRef": {"name": "x"}, "maxReplicaCount": 6, "triggers": [
            {"type": "kafka", "metadata": {"bootstrapServers": "kafka:9092", "consumerGroup": "g",
                                           "topic": "t", "lagThreshold": "500"}},
            {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "70"}},
        ]},
    }
    assert not list(validator.iter_errors(good))
    def boolean_metadata(so):  # the CRD takes strings only
        so["spec"]["triggers"][0]["metadata"]["allowIdleConsumers"] = False

    def misspelt_parameter(so):
        so["spec"]["triggers"][0]["metadata"]["lagTreshold"] = "5"

    def unknown_spec_field(so):
        so["spec"]["maxReplicas"] = 6

    def cpu_without_metric_type(so):
        del so["spec"]["triggers"][1]["metricType"]

    def kafka_without_group(so):
        del so["spec"]["triggers"][0]["metadata"]["consumerGroup"]

    for mistake in (boolean_metadata, misspelt_parameter, unknown_spec_field, cpu_without_metric_type,
                    kafka_without_group):
        bad = json.loads(json.dumps(good))
        mistake(bad)
        assert list(validator.iter_errors(bad)), f"the schema accepts {mistake.__name__}"


# -- what every overlay contains ---------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_a_deployment_a_service_and_a_disruption_budget(overlay):
    docs = render(f"overlays/{overlay}")
    names = {f"hotline-{s}" for s in SERVICES}
    assert set(of_kind(docs, "Deployment")) == names
    assert set(of_kind(docs, "Service")) == names
    assert set(of_kind(docs, "PodDisruptionBudget")) == names
    assert set(of_kind(docs, "Job")) == {"hotline-migrate", "hotline-topics"}
    assert not of_kind(docs, "Secret"), "secret values are never rendered from the repository"
    for name, pdb in of_kind(docs, "PodDisruptionBudget").items():
        pod_labels = of_kind(docs, "Deployment")[name]["spec"]["template"]["metadata"]["labels"]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_listen_and_are_probed_on_their_own_port(overlay):
    docs = render(f"overlays/{overlay}")
    deployments, services = of_kind(docs, "Deployment"), of_kind(docs, "Service")
    for service, port in PORTS.items():
        name = f"hotline-{service}"
        pod = deployments[name]["spec"]["template"]
        (container,) = pod["spec"]["containers"]
        assert container["args"] == ["run", service]
        assert container["image"].split("@")[0].split(":")[0].endswith("hotline12345")
        assert [p["containerPort"] for p in container["ports"]] == [port, port + 1000], name
        env = {e["name"]: e for e in container.get("env", [])}
        assert env["HOTLINE_HTTP_HOST"]["value"] == "0.0.0.0", name  # noqa: S104 - in a pod, all its interfaces are the pod's
        assert env[f"HOTLINE_{service.upper()}_PORT"]["value"] == str(port), name
        probes = {kind: container[kind] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
        assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        for kind, probe in probes.items():
            assert container_port(container, probe["httpGet"]["port"]) == port, f"{name} {kind}"
        annotations = pod["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(port + 1000)  # /metrics is not on the public port
        assert annotations["prometheus.io/path"] == "/metrics"
        # The Service reaches this Deployment's pods on the same port.
        svc = services[name]["spec"]
        assert svc["selector"].items() <= pod["metadata"]["labels"].items(), name
        (svc_port,) = svc["ports"]
        assert svc_port["port"] == port
        assert container_port(container, svc_port["targetPort"]) == port


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_as_non_root_with_a_read_only_root_and_no_capabilities(overlay):
    for where, template in pod_templates(render(f"overlays/{overlay}")).items():
        pod = template["spec"]
        pod_security = pod.get("securityContext", {})
        assert pod.get("automountServiceAccountToken") is False, where
        assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        for container in pod["containers"] + pod.get("initContainers", []):
            security = {**pod_security, **container.get("securityContext", {})}
            assert security.get("runAsNonRoot") is True, where
            assert security.get("runAsUser") == UID, where
            assert container["securityContext"].get("allowPrivilegeEscalation") is False, where
            assert container["securityContext"].get("readOnlyRootFilesystem") is True, where
            assert container["securityContext"].get("privileged", False) is False, where
            assert container["securityContext"].get("capabilities", {}).get("drop") == ["ALL"], where
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), f"{where}: {bound}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configuration_comes_from_the_config_map_and_the_out_of_band_secret(overlay):
    docs = render(f"overlays/{overlay}")
    config = config_of(docs)
    known = {f"HOTLINE_{field.upper()}" for field in Settings.model_fields}
    assert set(config["data"]) <= known, f"unknown settings: {set(config['data']) - known}"
    assert not SECRET_KEYS & set(config["data"]), "secrets never go into the ConfigMap"
    for where, template in pod_templates(docs).items():
        (container,) = template["spec"]["containers"]
        assert {"configMapRef": {"name": config["metadata"]["name"]}} in container["envFrom"], where
        from_secret = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]
                       if "secretKeyRef" in e.get("valueFrom", {})}
        kafka = {k: from_secret.pop(k) for k in KAFKA_IDENTITY_KEYS}
        assert set(from_secret) == SECRET_KEYS, where
        assert all(ref["name"] == "hotline-secrets" and ref["key"] == key for key, ref in from_secret.items())
        assert {ref["name"] for ref in kafka.values()} == {f"hotline-kafka-{identity_of(where)}"}, where


def test_the_secret_example_documents_exactly_the_keys_the_pods_read():
    _, _, yaml = _modules()
    example = yaml.safe_load((K8S / "secret.example.yaml").read_text(encoding="utf-8"))
    assert example["kind"] == "Secret" and example["metadata"]["name"] == "hotline-secrets"
    assert set(example["stringData"]) == SECRET_KEYS
    assert all("REPLACE_ME" in value for value in example["stringData"].values())
    for kustomization in K8S.rglob("kustomization.yaml"):
        spec = yaml.safe_load(kustomization.read_text(encoding="utf-8"))
        listed = [*spec.get("resources", []), *(p.get("path", "") for p in spec.get("patches", []))]
        assert not [entry for entry in listed if "secret" in entry], f"{kustomization} builds a secret"
        assert not spec.get("secretGenerator"), f"{kustomization} generates a secret"


def test_set_up_jobs_run_migrate_and_topics():
    for overlay in OVERLAYS:
        jobs = of_kind(render(f"overlays/{overlay}"), "Job")
        for name, command in (("hotline-migrate", ["migrate"]), ("hotline-topics", ["topics"])):
            pod = jobs[name]["spec"]["template"]["spec"]
            (container,) = pod["containers"]
            assert container["args"] == command
            assert pod["restartPolicy"] in ("Never", "OnFailure")


# -- scaling -------------------------------------------------------------------------------------

def test_consumer_autoscaling_never_exceeds_the_partitions_of_the_topics_it_reads():
    docs = render("overlays/prod")
    config = config_of(docs)["data"]
    prefix = config.get("HOTLINE_TOPIC_PREFIX", "")
    partitions = {t.name: t.partitions for t in TOPICS}
    scaled = of_kind(docs, "ScaledObject")
    assert set(scaled) == {f"hotline-{s}" for s in SERVICES if consumed_topics(s)}
    for service in SERVICES:
        consumes = consumed_topics(service)
        if not consumes:
            continue
        name = f"hotline-{service}"
        spec = scaled[name]["spec"]
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        kafka = [t["metadata"] for t in spec["triggers"] if t["type"] == "kafka"]
        # One trigger per consumed topic, on the group the service really uses.
        assert sorted(m["topic"] for m in kafka) == sorted(prefix + t for t in consumes), (
            f"{name}: services/{service}/entrypoint.py consumes {consumes}; keep one kafka trigger per "
            f"consumed topic in deploy/k8s/base/{service}.yaml")
        for metadata in kafka:
            assert metadata["consumerGroup"] == f"{prefix}hotline-{service}", name
            assert metadata["bootstrapServers"] == config["HOTLINE_KAFKA_BOOTSTRAP"], name
            assert metadata.get("offsetResetPolicy") == "earliest", f"{name}: the consumers start at earliest"
            assert metadata.get("allowIdleConsumers", "false") == "false", name
        bound = min(partitions[t] for t in consumes)
        assert 1 <= spec.get("minReplicaCount", 0) <= spec["maxReplicaCount"] <= bound, (
            f"{name}: maxReplicaCount {spec['maxReplicaCount']} > {bound} partitions of {consumes}")
        if service in HTTP_FACING:
            assert any(t["type"] == "cpu" for t in spec["triggers"]), f"{name} serves HTTP: scale on CPU too"


@pytest.mark.parametrize("build", ("base", "overlays/prod"))
def test_no_deployment_has_two_autoscalers(build):
    docs = render(build)
    targets = [d["spec"]["scaleTargetRef"]["name"] for d in docs if d["kind"] in ("ScaledObject", "HorizontalPodAutoscaler")]
    assert len(targets) == len(set(targets)), f"KEDA makes its own HPA: one autoscaler per Deployment, got {targets}"


def test_dev_runs_one_replica_without_keda():
    docs = render("overlays/dev")
    assert config_of(docs)["data"]["HOTLINE_ENV"] == "development"
    assert not of_kind(docs, "ScaledObject") and not of_kind(docs, "HorizontalPodAutoscaler")
    assert {d["spec"].get("replicas") for d in of_kind(docs, "Deployment").values()} == {1}


def test_prod_pins_the_image_scales_from_two_and_leaves_replicas_to_keda():
    docs, dev = render("overlays/prod"), render("overlays/dev")
    assert config_of(docs)["data"]["HOTLINE_ENV"] == "production"
    for where, template in pod_templates(docs).items():
        image = template["spec"]["containers"][0]["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert "@sha256:" in image or tag not in ("", "latest", "dev"), f"{where}: pin the image, got {image}"
    for name, deployment in of_kind(docs, "Deployment").items():
        # A replicas field would make every `kubectl apply` fight KEDA's HPA.
        assert "replicas" not in deployment["spec"], name
        assert of_kind(docs, "ScaledObject")[name]["spec"]["minReplicaCount"] >= 2, name
        prod_limits = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        dev_limits = of_kind(dev, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        assert _mebibytes(prod_limits["memory"]) > _mebibytes(dev_limits["memory"]), name


def _mebibytes(quantity: str) -> float:
    units = {"Mi": 1, "Gi": 1024, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    for unit, factor in units.items():
        if quantity.endswith(unit):
            return float(quantity[: -len(unit)]) * factor
    return float(quantity) / 2**20


# -- production: durability, order, shutdown, budgets (issue 24) ---------------------------------

def _annotation(doc: dict, key: str) -> str:
    return doc["metadata"].get("annotations", {})[key]


def test_prod_topics_are_replicated_three_times_by_the_topics_job():
    docs = render("overlays/prod")
    config = config_of(docs)
    assert config["data"]["HOTLINE_TOPIC_REPLICATION"] == "3"
    assert config["data"]["HOTLINE_ENV"] == "production"
    (container,) = of_kind(docs, "Job")["hotline-topics"]["spec"]["template"]["spec"]["containers"]
    assert {"configMapRef": {"name": config["metadata"]["name"]}} in container["envFrom"]
    assert "HOTLINE_TOPIC_REPLICATION" not in {e["name"] for e in container.get("env", [])}, "no override"


def test_the_topics_job_creates_three_replicas_with_two_in_sync_and_would_refuse_one(monkeypatch):
    """What `hotline topics` asks the broker for with the production overlay's settings, and
    that the same settings with one replica are refused (issue 24, item 4)."""
    import asyncio

    from hotline import provision

    config = {k: v for k, v in config_of(render("overlays/prod"))["data"].items() if v != ""}
    secrets = {"HOTLINE_SECRET_KEY": "s" * 40, "HOTLINE_DATABASE_URL": "postgresql://hotline:a-real-password@db/h",
               "HOTLINE_KAFKA_SASL_USERNAME": "hotline-admin", "HOTLINE_KAFKA_SASL_PASSWORD": "from-the-secret"}
    for key, value in {**config, **secrets}.items():
        monkeypatch.setenv(key, value)
    created = []

    class Admin:  # the broker: records what the Job asks for
        def __init__(self, **options) -> None:
            assert options["security_protocol"] == "SASL_SSL" and options["sasl_plain_username"] == "hotline-admin"

        async def start(self) -> None: ...

        async def close(self) -> None: ...

        async def list_topics(self) -> list[str]:
            return []

        async def create_topics(self, new_topics) -> None:
            created.extend(new_topics)

    monkeypatch.setattr(provision, "AIOKafkaAdminClient", Admin)
    monkeypatch.setattr("shared.kafka.security.ssl.create_default_context", lambda cafile=None: None)
    settings = Settings()  # as the Job's container reads them
    assert settings.env == "production" and settings.topic_replication == 3
    asyncio.run(provision.create_topics(settings))
    assert {t.name for t in created} == {settings.topic(t.name) for t in TOPICS}
    assert {(t.replication_factor, t.topic_configs["min.insync.replicas"]) for t in created} == {(3, "2")}
    monkeypatch.setenv("HOTLINE_TOPIC_REPLICATION", "1")
    with pytest.raises(provision.ReplicationRefused, match="HOTLINE_TOPIC_REPLICATION=3"):
        asyncio.run(provision.create_topics(Settings()))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_apply_starts_everything_and_each_pod_waits_for_its_schema_and_topics(overlay):
    docs = render(f"overlays/{overlay}")
    for service in SERVICES:
        pod = of_kind(docs, "Deployment")[f"hotline-{service}"]["spec"]["template"]["spec"]
        (init,) = pod["initContainers"]
        assert init["args"][:2] == ["wait", service], service
        assert init["image"] == pod["containers"][0]["image"], "the init container runs the same release"
    for job in of_kind(docs, "Job").values():  # Argo CD runs the set-up first
        assert _annotation(job, "argocd.argoproj.io/sync-wave") == "-1"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_shutdown_step_fits_in_the_grace_period(overlay):
    """preStop pause + uvicorn's drain of open requests + each bounded step of the runtime's
    close(), summed, stay under terminationGracePeriodSeconds (else the kubelet's SIGKILL cuts
    the relay's last publish or the consumers' leaving the group)."""
    from shared.runtime import HTTP_DRAIN_SECONDS, SHUTDOWN_STEPS

    assert all(0 < seconds <= 5 for seconds in SHUTDOWN_STEPS.values()), SHUTDOWN_STEPS
    for name, deployment in of_kind(render(f"overlays/{overlay}"), "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
        assert pre_stop[0] == "sleep", name
        total = float(pre_stop[1]) + HTTP_DRAIN_SECONDS + sum(SHUTDOWN_STEPS.values())
        assert total < pod["terminationGracePeriodSeconds"], f"{name}: shutdown may take {total} s"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_metrics_have_their_own_port_which_no_service_exposes(overlay):
    docs = render(f"overlays/{overlay}")
    for service, port in PORTS.items():
        svc = of_kind(docs, "Service")[f"hotline-{service}"]["spec"]
        assert [p["port"] for p in svc["ports"]] == [port], "the Service carries HTTP only"
        (container,) = of_kind(docs, "Deployment")[f"hotline-{service}"]["spec"]["template"]["spec"]["containers"]
        assert container_port(container, "metrics") == Settings(env="test").metrics_port_for(service)


def test_prod_verifies_tokens_with_a_mounted_key_set_and_never_a_shared_secret():
    docs = render("overlays/prod")
    config = config_of(docs)["data"]
    assert config["HOTLINE_JWT_ALGORITHM"] in ("RS256", "ES256", "EdDSA")
    jwks_dir = config["HOTLINE_JWT_JWKS_FILE"].rsplit("/", 1)[0]
    for name, deployment in of_kind(docs, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert "subPath" not in mounts[jwks_dir], f"{name}: a subPath mount never sees a rotated key set"
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes[mounts[jwks_dir]["name"]]["secret"]["secretName"] == "hotline-jwks"
        assert "HOTLINE_JWT_SECRET" not in {e["name"] for e in container.get("env", [])}, name
    # the production settings the pods get are accepted by the services themselves
    Settings(**{k.removeprefix("HOTLINE_").lower(): v for k, v in config.items() if v != ""},
             secret_key="s" * 40, database_url="postgresql://hotline:a-real-password@db/hotline")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_contact_retention_is_set_where_operators_see_it_and_is_what_the_privacy_notes_state(overlay):
    config = config_of(render(f"overlays/{overlay}"))["data"]
    days = int(config["HOTLINE_CONTACT_RETENTION_DAYS"])
    stated = (ROOT / "docs/personal-data.md").read_text(encoding="utf-8")
    assert f"`HOTLINE_CONTACT_RETENTION_DAYS` (default **{days}**)" in stated
    assert 0 < float(config["HOTLINE_CONTACT_RETENTION_CHECK_SECONDS"]) <= 86_400, "checked at least daily"


def test_prod_database_connections_fit_the_budget():
    """Worst case: every service at maxReplicaCount plus the rolling update's surge pod, each
    with a full pool, plus the set-up Jobs' one connection each (an init container's single
    connection ends before its pod's pool opens)."""
    docs = render("overlays/prod")
    config = config_of(docs)
    budget = int(_annotation(config, "hotline/postgres-connection-budget"))
    pool = int(config["data"]["HOTLINE_DB_POOL_MAX"])
    worst = 0
    for name, deployment in of_kind(docs, "Deployment").items():
        surge = deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        replicas = of_kind(docs, "ScaledObject")[name]["spec"]["maxReplicaCount"]
        worst += (replicas + int(surge)) * pool
    worst += len(of_kind(docs, "Job"))
    assert worst <= budget, f"{worst} connections in the worst case against a budget of {budget}"


# Resident memory of a service under load (README "Measured": 83-127 MB), with headroom.
SERVICE_RESIDENT_MIB = 160


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_argon2_memory_at_full_hash_pool_fits_the_pod_limit(overlay):
    docs = render(f"overlays/{overlay}")
    config = config_of(docs)["data"]
    per_hash_mib = int(config["HOTLINE_ARGON2_MEMORY_KIB"]) / 1024
    workers = int(config["HOTLINE_HASH_WORKERS"])
    assert int(config["HOTLINE_ARGON2_PARALLELISM"]) <= 2 and int(config["HOTLINE_ARGON2_TIME_COST"]) >= 2
    for service in ("intake", "publication"):  # the two that hash or verify inquiry codes
        (container,) = of_kind(docs, "Deployment")[f"hotline-{service}"]["spec"]["template"]["spec"]["containers"]
        limit = _mebibytes(container["resources"]["limits"]["memory"])
        assert SERVICE_RESIDENT_MIB + workers * per_hash_mib <= limit, (
            f"{service}: {workers} hashes x {per_hash_mib:.0f} MiB beside {SERVICE_RESIDENT_MIB} MiB > {limit} MiB")


def test_prod_takes_the_image_from_release_env_by_digest():
    import re

    release = dict(line.split("=", 1) for line in (K8S / "overlays/prod/release.env").read_text().splitlines()
                   if line and not line.startswith("#"))
    image = release["HOTLINE_IMAGE"]
    assert re.fullmatch(r"[\w.:/-]+/hotline12345@sha256:[0-9a-f]{64}", image), image
    docs = render("overlays/prod")
    assert not [d for d in docs if d["metadata"]["name"].startswith("hotline-release")], "local-config only"
    for where, template in pod_templates(docs).items():
        pod = template["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            assert container["image"] == image, f"{where}/{container['name']}"


def test_prod_talks_to_kafka_over_tls_as_each_pods_own_identity_and_keda_does_too():
    docs = render("overlays/prod")
    config = config_of(docs)["data"]
    assert config["HOTLINE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["HOTLINE_KAFKA_SASL_MECHANISM"].startswith("SCRAM-")
    ca_dir = config["HOTLINE_KAFKA_SSL_CAFILE"].rsplit("/", 1)[0]
    auths = of_kind(docs, "TriggerAuthentication")
    for where, template in pod_templates(docs).items():
        pod = template["spec"]
        secret = f"hotline-kafka-{identity_of(where)}"
        for container in pod["containers"] + pod.get("initContainers", []):
            refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]
                    if "secretKeyRef" in e.get("valueFrom", {})}
            assert refs["HOTLINE_KAFKA_SASL_USERNAME"] == refs["HOTLINE_KAFKA_SASL_PASSWORD"] == secret, where
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            volume = {v["name"]: v for v in pod["volumes"]}[mounts[ca_dir]]
            assert volume["secret"]["secretName"] == secret, where
    for name, scaled in of_kind(docs, "ScaledObject").items():
        for trigger in (t for t in scaled["spec"]["triggers"] if t["type"] == "kafka"):
            auth = auths[trigger["authenticationRef"]["name"]]["spec"]["secretTargetRef"]
            assert {r["parameter"] for r in auth} >= {"sasl", "username", "password", "tls", "ca"}, name
            assert {r["name"] for r in auth} == {f"hotline-kafka-{name.removeprefix('hotline-')}"}, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_allow_only_http_metrics_dns_kafka_and_postgres(overlay):
    docs = render(f"overlays/{overlay}")
    policies = of_kind(docs, "NetworkPolicy")
    deny = policies["hotline-default-deny"]["spec"]
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"} and not deny.get("ingress") and not deny.get("egress")
    for where, template in pod_templates(docs).items():
        labels = template["metadata"]["labels"]
        assert deny["podSelector"]["matchLabels"].items() <= labels.items(), f"{where} escapes the default deny"
    opened = set()
    for policy in policies.values():
        for rule in policy["spec"].get("ingress", []):
            for port in rule["ports"]:
                opened.add(("in", port["port"], port.get("endPort", port["port"]), bool(rule.get("from"))))
        for rule in policy["spec"].get("egress", []):
            for port in rule["ports"]:
                opened.add(("out", port["port"], port.get("endPort", port["port"]), bool(rule.get("to"))))
    assert opened == {("in", 8001, 8005, False), ("in", 9001, 9005, True),  # metrics: monitoring only
                      ("out", 53, 53, True), ("out", 9092, 9093, False), ("out", 5432, 5432, False)}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_let_out_to_its_own_kafka_and_database_and_in_on_its_own_port(overlay):
    """The default deny catches every pod; each allow rule must then select every pod too, and
    let through the very ports the ConfigMap points the pods at (else a pod starts and waits
    for ever for a broker its policy hides)."""
    docs = render(f"overlays/{overlay}")
    policies = of_kind(docs, "NetworkPolicy")
    config = config_of(docs)["data"]

    def opens(direction: str, port: int, labels: dict) -> bool:
        for policy in policies.values():
            if not policy["spec"]["podSelector"].get("matchLabels", {}).items() <= labels.items():
                continue
            for rule in policy["spec"].get(direction, []):
                if any(p["port"] <= port <= p.get("endPort", p["port"]) for p in rule["ports"]):
                    return True
        return False

    kafka_ports = {int(address.rsplit(":", 1)[1]) for address in config["HOTLINE_KAFKA_BOOTSTRAP"].split(",")}
    for where, template in pod_templates(docs).items():
        labels = template["metadata"]["labels"]
        for port in kafka_ports:
            assert opens("egress", port, labels), f"{where} cannot reach Kafka on {port}"
        assert opens("egress", 5432, labels), f"{where} cannot reach PostgreSQL"
        assert opens("egress", 53, labels), f"{where} cannot resolve names"
        if where.startswith("Deployment/"):
            service = where.removeprefix("Deployment/hotline-")
            assert opens("ingress", PORTS[service], labels), f"{where}: its HTTP port is closed"
            assert opens("ingress", Settings(env="test").metrics_port_for(service), labels), where
