"""Spec import measured on a corpus of public OpenAPI documents: which documents
``relaykit new --spec`` takes, how many of their operations reach a service, whether
that service passes its own tests, and how far its contract is from the document.

    python bench/spec_corpus.py [CORPUS] [--json out.json] [--markdown out.md]

CORPUS (default: ``$RELAYKIT_SPEC_CORPUS``) is searched for ``*.yaml``, ``*.yml`` and
``*.json`` files; those without an ``openapi: 3.x`` key (fragments of multi-file
documents) are skipped, and so are hidden folders, checkouts (a ``.git``) and virtual
environments kept beside the documents. Run it with the Python of the environment whose
relaykit is measured (``pip install -e <tree>``): the renders' own dependencies are
installed into that environment once (``--no-setup`` skips that), and each rendered
service is made importable there while it is measured, then removed again. Sequential,
with a time budget per document (``--timeout``); no thresholds. ``--report-from`` rewrites
the markdown of an earlier ``--json`` run.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

#: The repository this script belongs to (bench/ is one level down).
REPOSITORY = Path(__file__).resolve().parent.parent

#: Where ``differences(document, served)`` comes from, unless --contract says otherwise.
CONTRACT = REPOSITORY / "tests" / "generator" / "contract.py"

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: Modules a rendered service's suite needs; when one is missing, setup installs them.
SERVICE_MODULES = ("flask_smorest", "openapi_core", "hypothesis", "pytest_randomly", "dotenv")

#: A whole document's budget: ``new`` and the service's suite together.
DEFAULT_TIMEOUT = 300.0


@dataclasses.dataclass
class Result:
    """What one document did."""

    document: str
    openapi: str
    operations: int
    valid: bool = False
    invalid_reason: str = ""
    accepted: bool = False
    error: str = ""
    problems: list[str] = dataclasses.field(default_factory=list)
    traceback: bool = False
    timeout: bool = False
    leftovers: int = 0
    imported: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    suite_passes: bool = False
    differences: int = 0
    not_served: int = 0
    differences_error: str = ""
    difference_samples: list[str] = dataclasses.field(default_factory=list)
    failing_tests: list[str] = dataclasses.field(default_factory=list)
    made_venv: bool = False
    seconds: float = 0.0


# -- reading documents -------------------------------------------------------------


def read_document(path: Path) -> Any:
    """A JSON or YAML file as JSON data (YAML dates stay strings, as in JSON)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def outside_corpus(path: Path, corpus: Path) -> bool:
    """Whether ``path`` is in a checkout or a virtual environment kept beside the
    documents (a folder holding ``.git`` or ``pyvenv.cfg``), or in a hidden folder."""
    for folder in path.relative_to(corpus).parents:
        here = corpus / folder
        if folder.name.startswith(".") or (here / ".git").exists():
            return True
        if (here / "pyvenv.cfg").exists():
            return True
    return False


def root_documents(corpus: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every OpenAPI 3.x root document under ``corpus``, in path order."""
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        if outside_corpus(path, corpus):
            continue
        try:
            document = read_document(path)
        except (ValueError, yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(document, dict) and str(document.get("openapi", "")).startswith("3."):
            yield path, document


def pointer_target(document: Any, fragment: str) -> Any:
    """The node a JSON Pointer fragment (``/components/schemas/Pet``) names."""
    target = document
    for part in [p for p in fragment.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        target = target[int(part)] if isinstance(target, list) else target[part]
    return target


def bundled(node: Any, base: Path, root: Any, stack: tuple[str, ...] = ()) -> Any:
    """``node`` (read from ``base``, whose whole content is ``root``) with every ``$ref``
    to another file inlined, and within such files their local refs too; the entry
    document's own local refs are kept. A ref that repeats becomes ``{"$cycle": ref}``."""
    if isinstance(node, list):
        return [bundled(item, base, root, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and (not ref.startswith("#") or stack):
        location, _, fragment = ref.partition("#")
        target_file = (base.parent / location).resolve() if location else base
        key = f"{target_file}#{fragment}"
        if key in stack:
            return {"$cycle": ref}
        target_root = read_document(target_file) if location else root
        target = pointer_target(target_root, fragment)
        resolved = bundled(target, target_file, target_root, (*stack, key))
        siblings = {k: bundled(v, base, root, stack) for k, v in node.items() if k != "$ref"}
        return {**resolved, **siblings} if isinstance(resolved, dict) else resolved
    return {key: bundled(value, base, root, stack) for key, value in node.items()}


def count_operations(document: dict[str, Any], path: Path) -> int:
    """Operations under ``paths`` (every method, head, options and trace included),
    path items given by ``$ref`` resolved."""
    total = 0
    for item in (document.get("paths") or {}).values():
        if isinstance(item, dict) and "$ref" in item:
            try:
                item = bundled(item, path, document)
            except (OSError, KeyError, IndexError, ValueError):
                continue
        if isinstance(item, dict):
            total += sum(1 for method in METHODS if method in item)
    return total


def validity(path: Path) -> tuple[bool, str]:
    """Whether openapi-spec-validator accepts the file as it is, refs resolved from its
    own URL; else the first error's message."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    try:
        spec, base_uri = read_from_filename(str(path))
        validate(spec, base_uri=base_uri)
    except Exception as error:  # every refusal is a result here, whatever its kind
        message = (getattr(error, "message", None) or str(error)).splitlines()[0]
        if len(message) > 160:
            message = f"{message[:70]} ... {message[-70:]}"
        parts = [str(part) for part in getattr(error, "absolute_path", [])]
        where = "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)
        return False, f"{type(error).__name__} at {where}: {message}"
    return True, ""


# -- the environment the services run in -------------------------------------------


def site_packages() -> Path:
    """The running environment's site-packages, where service stand-ins are written."""
    return Path(sysconfig.get_paths()["purelib"])


def prepare_environment(work: Path) -> None:
    """Install a default render's runtime and dev dependencies here, when missing."""
    if all(importlib.util.find_spec(module) for module in SERVICE_MODULES):
        return
    print("setup: installing a render's dependencies (and dev extras) here", file=sys.stderr)
    render = work / "setup-render"
    relaykit(["new", str(render), "--defaults", "-d", "project_name=Corpus Setup"], work, 600)
    project = tomllib.loads((render / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"].get("dev", [])]
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", "install"]
    subprocess.run([*pip, *wanted], check=True)
    shutil.rmtree(render)


@dataclasses.dataclass
class StandIn:
    """What ``pip install --no-deps -e SERVICE`` would write into site-packages, written
    before the service exists: ``relaykit new`` needs it importable to write its
    contract (else it would create a ``.venv`` per service), and DEST must be empty."""

    package: str
    distribution: str
    source: Path

    @property
    def pth(self) -> Path:
        """The path file that puts the service's ``src`` on ``sys.path``."""
        return site_packages() / f"__spec_corpus__.{self.package}.pth"

    @property
    def dist_info(self) -> Path:
        """The distribution's metadata, which the service reads its version from."""
        return site_packages() / f"{self.distribution.replace('-', '_')}-0.1.0.dist-info"

    def __enter__(self) -> StandIn:
        self.pth.write_text(f"{self.source}\n", encoding="utf-8")
        self.dist_info.mkdir(exist_ok=True)
        metadata = f"Metadata-Version: 2.1\nName: {self.distribution}\nVersion: 0.1.0\n"
        (self.dist_info / "METADATA").write_text(metadata, encoding="utf-8")
        (self.dist_info / "INSTALLER").write_text("spec_corpus\n", encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        self.pth.unlink(missing_ok=True)
        shutil.rmtree(self.dist_info, ignore_errors=True)


def run(command: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in its own process group; on timeout the whole group is killed
    and :class:`subprocess.TimeoutExpired` raised."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment["PATH"]])
    with subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=max(timeout, 1))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def relaykit(arguments: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """The relaykit command of this environment."""
    return run([sys.executable, "-m", "relaykit", *arguments], cwd, timeout)


def skip_option(work: Path) -> list[str]:
    """``--skip-unsupported`` when this relaykit's ``new --help`` lists it."""
    listed = "--skip-unsupported" in relaykit(["new", "--help"], work, 60).stdout
    return ["--skip-unsupported"] if listed else []


# -- measuring one document --------------------------------------------------------


def operation_keys(contract: dict[str, Any]) -> set[str]:
    """``METHOD path`` of every operation of a contract."""
    return {
        f"{method.upper()} {path}"
        for path, item in (contract.get("paths") or {}).items()
        for method in METHODS
        if method in item
    }


def own_operations(work: Path) -> set[str]:
    """The operations a service serves before anything is imported: those of a default
    render's ``openapi.json`` (``/livez``, ``/readyz``, the events endpoints)."""
    render = work / "own-render"
    done = relaykit(["new", str(render), "--defaults", "-d", "project_name=Corpus Own"], work, 600)
    if done.returncode != 0:
        raise SystemExit(f"a default render failed: {done.stderr.strip()[-2000:]}")
    contract = json.loads((render / "openapi.json").read_text(encoding="utf-8"))
    shutil.rmtree(render)
    return operation_keys(contract)


def error_line(stderr: str) -> str:
    """The one line that says why ``new`` failed: relaykit's error line, else the last
    line of a traceback, else the first line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("relaykit: error:"):
            return line
    if "Traceback (most recent call last)" in stderr and lines:
        return lines[-1]
    return lines[0] if lines else "(no output)"


def listed_problems(stderr: str) -> list[str]:
    """The indented lines under relaykit's error line (one per problem)."""
    lines = stderr.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("relaykit: error:"):
            return [p.strip() for p in lines[index + 1 :] if p.startswith("  ")][:200]
    return []


def suite_counts(junit: Path, output: str) -> dict[str, int]:
    """passed/failed/errors/skipped of a pytest run, from its JUnit XML (else its summary)."""
    if junit.is_file():
        suites = ElementTree.parse(junit).getroot()
        nodes = [suites] if suites.tag == "testsuite" else list(suites)
        totals = {name: sum(int(n.get(name, 0)) for n in nodes) for name in
                  ("tests", "failures", "errors", "skipped")}  # fmt: skip
        return {
            "passed": totals["tests"] - totals["failures"] - totals["errors"] - totals["skipped"],
            "failed": totals["failures"],
            "errors": totals["errors"],
            "skipped": totals["skipped"],
        }
    found = dict.fromkeys(("passed", "failed", "errors", "skipped"), 0)
    for number, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", output):
        found["errors" if word.startswith("error") else word] += int(number)
    return found


def failing_tests(junit: Path, output: str) -> list[str]:
    """The first failing or erroring tests of a run, with their message's first line
    (or the end of pytest's output when it wrote no JUnit XML)."""
    if not junit.is_file():
        return [output.strip()[-400:]] if output.strip() else []
    found = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        for problem in [*case.iter("failure"), *case.iter("error")]:
            message = (problem.get("message") or "").splitlines()[:1]
            found.append(f"{case.get('classname')}::{case.get('name')}: {''.join(message)[:200]}")
    return found[:10]


def load_differences(path: Path) -> Any:
    """``differences(document, served)`` from the contract comparison at ``path``."""
    spec = importlib.util.spec_from_file_location("spec_corpus_contract", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.differences


def file_count(folder: Path) -> int:
    """Files under ``folder`` (0 when it does not exist)."""
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def measure(
    path: Path, name: str, document: dict[str, Any], number: int, settings: Settings
) -> Result:
    """Validate, import, test and compare one document."""
    started = time.monotonic()
    result = Result(name, str(document.get("openapi")), count_operations(document, path))
    result.valid, result.invalid_reason = validity(path)
    scratch = Path(tempfile.mkdtemp(prefix=f"doc{number:03d}-", dir=settings.work))
    service = scratch / "svc"
    package = f"corpus_doc_{number:03d}"
    command = ["new", str(service), "--defaults", "--spec", str(path), *settings.skip]
    command += ["-d", f"project_name=Corpus Doc {number:03d}"]
    deadline = started + settings.timeout
    try:
        with StandIn(package, f"corpus-doc-{number:03d}", service / "src"):
            done = relaykit(command, scratch, deadline - time.monotonic())
            result.accepted = done.returncode == 0
            result.traceback = "Traceback (most recent call last)" in done.stderr
            result.made_venv = (service / ".venv").exists()
            if not result.accepted:
                result.error = error_line(done.stderr)
                result.problems = listed_problems(done.stderr)
                result.leftovers = file_count(service)
            elif not (service / "openapi.json").is_file():
                result.error = "accepted, but the service has no openapi.json"
            else:
                served = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
                result.imported = len(operation_keys(served) - settings.own)
                compare(result, path, document, served, settings)
                junit = scratch / "junit.xml"
                tests = run(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                     f"--junitxml={junit}"],
                    service,
                    deadline - time.monotonic(),
                )  # fmt: skip
                for key, value in suite_counts(junit, tests.stdout).items():
                    setattr(result, key, value)
                result.suite_passes = tests.returncode == 0
                result.failing_tests = failing_tests(junit, tests.stdout)
    except subprocess.TimeoutExpired:
        result.timeout = True
        result.error = result.error or f"timeout after {settings.timeout:.0f} s"
    except Exception as error:  # one document's breakage must not end the run
        result.error = f"measurement failed: {type(error).__name__}: {error}"[:300]
    finally:
        if not settings.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def compare(
    result: Result, path: Path, document: dict[str, Any], served: dict[str, Any], settings: Settings
) -> None:
    """Count the contract differences between the document (other files' refs
    inlined) and the served ``openapi.json``."""
    try:
        found = settings.differences(bundled(document, path, document), served)
    except Exception as error:  # a comparison that breaks is a result, not the end of the run
        result.differences_error = f"{type(error).__name__}: {error}"[:200]
        return
    result.not_served = sum(1 for line in found if line.endswith(": not served"))
    result.differences = len(found) - result.not_served
    result.difference_samples = [line[:4000] for line in found[:5]]


# -- the report --------------------------------------------------------------------


@dataclasses.dataclass
class Settings:
    """How the run goes."""

    work: Path
    timeout: float
    keep: bool
    skip: list[str]
    own: set[str]
    differences: Any


def percent(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole``, one decimal."""
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def totals(results: list[Result]) -> dict[str, Any]:
    """The corpus's totals."""
    accepted = [r for r in results if r.accepted]
    operations = sum(r.operations for r in results)
    valid_operations = sum(r.operations for r in results if r.valid)
    imported = sum(r.imported for r in results)
    return {
        "documents": len(results),
        "valid": sum(r.valid for r in results),
        "accepted": len(accepted),
        "valid_accepted": sum(r.valid and r.accepted for r in results),
        "operations": operations,
        "operations_in_valid": valid_operations,
        "imported": imported,
        "imported_of_all": percent(imported, operations),
        "imported_of_valid": percent(sum(r.imported for r in results if r.valid), valid_operations),
        "suites_passing": sum(r.suite_passes for r in accepted),
        "tests_passed": sum(r.passed for r in results),
        "tests_failed": sum(r.failed for r in results),
        "tests_errors": sum(r.errors for r in results),
        "contract_differences": sum(r.differences for r in results),
        "not_served": sum(r.not_served for r in results),
        "comparison_errors": sum(bool(r.differences_error) for r in results),
        "tracebacks": sum(r.traceback for r in results),
        "timeouts": sum(r.timeout for r in results),
        "leftover_documents": sum(r.leftovers > 0 for r in results),
        "leftover_files": sum(r.leftovers for r in results),
        "made_venv": sum(r.made_venv for r in results),
        "seconds": round(sum(r.seconds for r in results), 1),
    }


def problem_kind(problem: str) -> str:
    """A refusal's reason without its location and names, to count alike ones together."""
    reason = re.sub(r"^#\S*: ", "", problem)
    reason = re.sub(r"\[[^\]]*\]", "[...]", reason)
    # Quoted keywords and types stay ('discriminator', 'integer'); other quoted names go.
    reason = re.sub(r"'(?![A-Za-z$][\w$-]{0,30}')[^']*'|\"[^\"]*\"", "'...'", reason)
    return re.sub(r"\b\d+\b", "N", reason)[:110]


def refusal_kinds(results: list[Result]) -> list[tuple[str, int, int]]:
    """(reason, documents, occurrences) over refused documents, most documents first;
    a refusal without a problem list counts its error line."""
    documents: dict[str, set[str]] = {}
    occurrences: dict[str, int] = {}
    for r in results:
        if r.accepted:
            continue
        reasons = r.problems or [r.error.removeprefix("relaykit: error: ")]
        for reason in map(problem_kind, reasons):
            documents.setdefault(reason, set()).add(r.document)
            occurrences[reason] = occurrences.get(reason, 0) + 1
    return sorted(
        ((k, len(v), occurrences[k]) for k, v in documents.items()), key=lambda t: (-t[1], t[0])
    )


def cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")[:220]


def markdown(results: list[Result], summary: dict[str, Any], header: str) -> str:
    """The per-document table and the totals, as markdown."""
    lines = [
        f"# Spec import on a corpus: {header}",
        "",
        "| document | openapi | ops | valid | accepted | imported | suite p/f/e | diffs"
        " | not served | tb | left | s | error |",
        "| --- | --- | ---: | --- | --- | ---: | --- | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for r in results:
        suite = f"{r.passed}/{r.failed}/{r.errors}" if r.accepted else ""
        why = r.error or r.differences_error
        if r.problems:
            why = f"{len(r.problems)} problem(s), first: {r.problems[0]}"
        if not r.valid:
            why = f"(invalid: {r.invalid_reason}) {why}"
        lines.append(
            f"| {r.document} | {r.openapi} | {r.operations} | {'yes' if r.valid else 'no'}"
            f" | {'yes' if r.accepted else ('timeout' if r.timeout else 'no')} | {r.imported}"
            f" | {suite} | {r.differences} | {r.not_served} | {'yes' if r.traceback else ''}"
            f" | {r.leftovers or ''} | {r.seconds} | {cell(why)} |"
        )
    s = summary
    lines += [
        "",
        "## Totals",
        "",
        f"- documents: {s['documents']}; valid (openapi-spec-validator): {s['valid']}",
        f"- accepted: {s['accepted']} (valid and accepted: {s['valid_accepted']} of {s['valid']});"
        f" timeouts: {s['timeouts']}",
        f"- operations in documents: {s['operations']} (in valid documents:"
        f" {s['operations_in_valid']})",
        f"- operations imported: {s['imported']} ({s['imported_of_all']} of all,"
        f" {s['imported_of_valid']} of those in valid documents)",
        f"- generated suites passing: {s['suites_passing']} of {s['accepted']} (tests passed"
        f" {s['tests_passed']}, failed {s['tests_failed']}, errors {s['tests_errors']})",
        f"- contract differences: {s['contract_differences']} (plus {s['not_served']}"
        f" operations not served; comparisons that failed: {s['comparison_errors']})",
        f"- tracebacks: {s['tracebacks']}; failed imports leaving files: "
        f"{s['leftover_documents']} ({s['leftover_files']} files); .venv made: {s['made_venv']}",
        f"- time: {s['seconds']} s",
        "",
        "## Why documents were refused",
        "",
        "| reason (names and locations left out) | documents | times |",
        "| --- | ---: | ---: |",
        *(f"| {cell(kind)} | {docs} | {times} |" for kind, docs, times in refusal_kinds(results)),
        "",
    ]
    return "\n".join(lines)


def describe_relaykit() -> str:
    """Which relaykit is measured: its source folder and, in a checkout, its commit."""
    spec = importlib.util.find_spec("relaykit")
    origin = Path(spec.origin).parent if spec and spec.origin else Path("?")
    commit = subprocess.run(
        ["git", "-C", str(origin), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(origin), "status", "--porcelain"], capture_output=True, text=True
    ).stdout.strip()
    return f"relaykit from {origin} at {commit or '?'}{' (uncommitted changes)' if dirty else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=os.environ.get("RELAYKIT_SPEC_CORPUS"),
        help="folder of OpenAPI documents (default: $RELAYKIT_SPEC_CORPUS)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="write every result and the totals here")
    parser.add_argument("--markdown", type=Path, help="write the report here too")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="per document, s")
    parser.add_argument("--contract", type=Path, default=CONTRACT, help="contract.py to use")
    parser.add_argument(
        "--only", action="append", default=[], help="measure only documents whose path "
        "contains this (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--lenient", action="store_true", help="import with --lenient (warnings, not refusals)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the rendered services")
    parser.add_argument("--no-setup", action="store_true", help="install no dependencies")
    parser.add_argument(
        "--report-from", type=Path, metavar="JSON", help="only rewrite the report of a --json run"
    )
    args = parser.parse_args()
    if args.report_from:
        saved = json.loads(args.report_from.read_text(encoding="utf-8"))
        results = [Result(**document) for document in saved["documents"]]
        write_report(results, saved["relaykit"], args)
        return
    if args.corpus is None or not args.corpus.is_dir():
        parser.error("give a corpus folder, or set RELAYKIT_SPEC_CORPUS")
    corpus = args.corpus.resolve()
    # Stopped with SIGTERM, the run still removes its stand-ins and scratch folders.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="spec-corpus-"))
    try:
        if not args.no_setup:
            prepare_environment(work)
        settings = Settings(
            work, args.timeout, args.keep,
            [*skip_option(work), *(["--lenient"] if args.lenient else [])], own_operations(work),
            load_differences(args.contract),
        )  # fmt: skip
        header = f"{describe_relaykit()}; corpus {corpus}; options {settings.skip or 'none'}"
        print(header, file=sys.stderr)
        documents = [
            (path, document)
            for path, document in root_documents(corpus)
            if not args.only or any(part in str(path.relative_to(corpus)) for part in args.only)
        ]
        results = []
        for number, (path, document) in enumerate(documents, start=1):
            name = str(path.relative_to(corpus))
            result = measure(path, name, document, number, settings)
            results.append(result)
            print(
                f"[{number}/{len(documents)}] {name}: ops {result.operations}, valid"
                f" {result.valid}, accepted {result.accepted}, imported {result.imported},"
                f" tests {result.passed}/{result.failed}/{result.errors}, diffs"
                f" {result.differences}, {result.seconds} s {result.error[:100]}",
                file=sys.stderr,
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    write_report(results, header, args)


def write_report(results: list[Result], header: str, args: argparse.Namespace) -> None:
    """Print the markdown report, and write it and the JSON where the options say."""
    summary = totals(results)
    report = markdown(results, summary, header)
    print(report)
    if args.markdown:
        args.markdown.write_text(report, encoding="utf-8")
    if args.json and not args.report_from:
        contract_hash = hashlib.sha256(args.contract.read_bytes()).hexdigest()[:12]
        data = {
            "relaykit": header,
            "contract_py": f"{args.contract} sha256:{contract_hash}",
            "totals": summary,
            "documents": [dataclasses.asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
