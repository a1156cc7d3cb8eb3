"""Time and peak memory of the report's PDF (reporting/documents/pdf.py) as it grows.

    .venv/bin/python bench/report_pdf.py                       # 83 (the 2025 report) and 1,000
    .venv/bin/python bench/report_pdf.py --sizes 83 1000 10000

For each size a fresh SQLite database in a temporary folder gets the data: 83 is the 2025
report (fixtures/nap_2025.json, published as setup_local does); any other number is that many
synthetic activities (manage.py seed_synthetic) in a report published from them. The PDF is
then written once to a file (render_pdf_to) in a child process, which reports its wall time,
the CPU time of itself and the processes it forks to render each part, the pages, and the
peak resident memory (Linux's VmHWM and ru_maxrss: C memory of Pango and HarfBuzz included,
which tracemalloc does not see) of itself and of the largest renderer it forked.

Measured on the shared 2-core machine (December 2026), in parts of 150 activities:

       activities  wall     CPU    pages  peak RSS
       83          3.6 s    3.5 s     31  138 MiB
       1,000       98 s     69 s     336  198 MiB
       2,000       124 s    118 s    670  204 MiB
       10,000      744 s    645 s   3357  243 MiB
    (before, with every part rendered in one process and joined in memory by pypdf: 141, 515
    and 909 MiB.) Per 1,000 activities: about 65 s of CPU. What little still grows is the
    calling process's copy of the report's contents (108 MiB before, 164 MiB at 10,000), which
    the renderers inherit when they are forked.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, configure_in_process, manage, step

ROOT = Path(__file__).resolve().parent.parent
NAP_2025 = "voortgangsrapportage-nap-2025"
SYNTHETIC = "bench-pdf"
PUBLISH_SYNTHETIC = f"""
import datetime
from reporting.models import ProgressReport
from reporting.services import publish_report
report = ProgressReport.objects.create(
    title="Benchmark-rapportage", slug="{SYNTHETIC}", reference_date=datetime.date.today()
)
publish_report(report)
"""


def vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def cpu_seconds() -> float:
    """CPU time of this process and of the renderers it forked (once they have ended)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child(slug: str) -> None:
    sys.path.insert(0, str(ROOT))
    configure_in_process()
    import django

    django.setup()
    import pikepdf

    from reporting.documents.pdf import render_pdf_to
    from reporting.models import ProgressReport

    report = ProgressReport.objects.get(slug=slug)
    before = vm_hwm_mib()
    started, cpu = time.perf_counter(), cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="nap-pdf-bench-") as folder:
        path = Path(folder) / "rapportage.pdf"
        render_pdf_to(report, path)
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        # ru_maxrss of the children: the largest renderer's peak (KiB on Linux).
        renderer = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        joiner = vm_hwm_mib()  # this process: the parts' HTML, and joining them
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
        kib = path.stat().st_size / 1024
    print(
        f"RESULT {wall:.1f} {cpu:.1f} {pages} {kib:.0f} {max(renderer, joiner):.0f}"
        f" {before:.0f} {joiner:.0f} {renderer:.0f}"
    )


def measure(size: int, work: Path) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NAP_"))},
        "DATABASE_URL": f"sqlite:///{work / f'db-{size}.sqlite3'}",
        "DJANGO_DEBUG": "1",
        "DJANGO_LOG_LEVEL": "ERROR",
        "NAP_SHARED_CACHE_DIR": str(work / "cache"),
    }
    step(f"{size} activities: loading the data")
    manage(env, "migrate", "--verbosity", "0")
    if size == 83:
        manage(env, "loaddata", "fixtures/nap_2025.json", "--verbosity", "0")
        manage(env, "publish_report", "--nap-2025")
        slug = NAP_2025
    else:
        manage(env, "seed_synthetic", "--activities", str(size))
        manage(env, "shell", "-c", PUBLISH_SYNTHETIC)
        slug = SYNTHETIC
    step(f"{size} activities: rendering the PDF")
    done = subprocess.run(
        [PYTHON, __file__, "--child", slug],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=6 * 3600,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    if done.returncode or not lines:
        return f"{size:>6} FAILED: {done.stderr[-2000:]}"
    wall, cpu, pages, kib, peak, before, joiner, renderer = lines[-1].split()[1:]
    per_1000 = 1000 / size
    return (
        f"{size:>6} activities: {wall:>7} s wall, {cpu:>7} s CPU, {pages:>5} pages, {kib:>6} KiB,"
        f" peak RSS {peak:>5} MiB (before {before}, joining process {joiner},"
        f" largest part renderer {renderer});"
        f" per 1,000 activities {float(wall) * per_1000:.0f} s wall,"
        f" {float(cpu) * per_1000:.0f} s CPU"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[83, 1000])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    results = []
    with tempfile.TemporaryDirectory(prefix="nap-pdf-bench-") as folder:
        for size in args.sizes:
            results.append(measure(size, Path(folder)))
            step(results[-1])
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
