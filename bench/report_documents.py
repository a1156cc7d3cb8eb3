"""Time and peak memory of making a published report's documents, as the worker makes them.

    .venv/bin/python bench/report_documents.py                  # 86 real and 1,000 activities
    .venv/bin/python bench/report_documents.py --sizes 86 1000 10000 --kinds docx xlsx

Per size a fresh SQLite database in a temporary folder: the 2025 report's data
(fixtures/nap_2025.json), topped up with synthetic activities (``seed_synthetic``) to the size
asked, then published (which queues the documents). Each document is then made by
``reporting.tasks.make_document`` — the worker's job — in a child process of its own, so its
peak memory (``ru_maxrss``) is that job's alone: the figure a worker process reaches for that
document. "basis" is the child's peak before the job (Django loaded, renderer imported).
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from common import PYTHON, ROOT, manage, step

# Runs in the child: make one document and report time and memory as JSON.
CHILD = """
import json, resource, sys, time
import django
django.setup()
from django.utils.module_loading import import_string
from reporting.models import ReportDocument
from reporting.tasks import RENDERERS, make_document

document = ReportDocument.objects.get(report__slug=sys.argv[1], kind=sys.argv[2])
import_string(RENDERERS[document.kind])  # the renderer's imports (WeasyPrint) are not the job
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
make_document(document.pk, document.requested_at)
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
document.refresh_from_db()
print(json.dumps({
    "state": document.state,
    "error": document.error,
    "bytes": document.size,
    "seconds": seconds,
    "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    "base_mb": before.ru_maxrss / 1024,
    "peak_mb": after.ru_maxrss / 1024,
}))
"""

# The activities of the 2025 report in fixtures/nap_2025.json.
REAL = 86


def environment(folder: Path) -> dict:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NAP_", "DATA"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "napsite.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "DJANGO_SECRET_KEY": "bench-only-" + secrets.token_urlsafe(30),
        "DJANGO_MANIFEST_STATIC": "0",
        "DJANGO_LOG_LEVEL": "ERROR",
        "NAP_SHARED_CACHE_DIR": str(folder / "cache"),
        "NAP_REPORT_DOCUMENTS_DIR": str(folder / "documents"),
    }


def prepare(env: dict, size: int) -> str:
    step(f"{size} activiteiten: database maken en rapportage publiceren")
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "loaddata", "--verbosity", "0", "fixtures/nap_2025.json")
    if size > REAL:
        manage(env, "seed_synthetic", "--activities", str(size - REAL), "--allow-without-debug")
    slug = f"bench-{size}"
    manage(env, "publish_report", slug, "--title", f"Benchmark {size} activiteiten")
    return slug


def measure(env: dict, slug: str, kind: str) -> dict:
    result = subprocess.run(
        [PYTHON, "-c", CHILD, slug, kind],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"{kind} for {slug} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[REAL, 1000])
    parser.add_argument("--kinds", nargs="+", default=["pdf", "docx", "xlsx"])
    options = parser.parse_args()
    if min(options.sizes) < REAL:
        parser.error(f"--sizes: at least {REAL}, the activities of the 2025 report")
    rows = []
    for size in options.sizes:
        with tempfile.TemporaryDirectory(prefix="nap-documents-") as folder:
            env = environment(Path(folder))
            slug = prepare(env, size)
            for kind in options.kinds:
                step(f"{size} activiteiten: {kind}")
                figures = measure(env, slug, kind)
                if figures["state"] != "klaar":
                    sys.exit(f"{kind} for {size} activities: {figures['error']}")
                rows.append((size, kind, figures))
    print()
    print("| activiteiten | document | tijd (s) | CPU (s) | piek RSS (MB) | basis (MB) | grootte |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size, kind, f in rows:
        print(
            f"| {size} | {kind} | {f['seconds']:.1f} | {f['cpu']:.1f} | {f['peak_mb']:.0f} "
            f"| {f['base_mb']:.0f} | {f['bytes'] / 1024:,.0f} kB |".replace(",", ".")
        )


if __name__ == "__main__":
    main()
