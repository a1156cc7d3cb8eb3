"""Check that the Word report opens cleanly: render the 2025 report and let LibreOffice convert it.

    .venv/bin/python bench/docx_check.py            # needs libreoffice (Debian:
                                                    # libreoffice-writer-nogui) and pypdf
    .venv/bin/python bench/docx_check.py --keep DIR # keep the .docx and .pdf in DIR

Loads fixtures/nap_2025.json into a fresh SQLite database in a temporary folder (migrate,
loaddata, publish_report --nap-2025, as setup_local does), times ``render_docx`` (fastest of
--repeat), converts the file with ``libreoffice --headless --convert-to pdf`` and checks that
the PDF has pages, each saying "Stand van zaken per" (the header), and contains every
activity's title. A .docx that LibreOffice cannot read fails the conversion. Exits non-zero
when any check fails.
"""

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import configure_in_process, manage, step

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REPORT_SLUG = "voortgangsrapportage-nap-2025"


def _words(text: str) -> str:
    # Cells wrap titles over lines and hyphenate nothing: compare text without its whitespace.
    return re.sub(r"\s+", "", text)


def _body_text(page_text: str) -> str:
    """A page's text without its header, footer and repeated table header, so that a row
    that breaks across pages reads on."""
    lines = [
        line
        for line in page_text.splitlines()
        if "Stand van zaken per" not in line
        and not re.fullmatch(r"Pagina \d+ van \d+", line.strip())
        and line.split() != ["Activiteit", "Status", "Wanneer", "Wie", "Toelichting"]
    ]
    return "\n".join(lines)


def _on_a_page(title: str, bodies: list[str]) -> bool:
    """The title is on a page, or its first words end one page and the rest start the next
    (a row that breaks across pages; the text of the row's other cells lies in between)."""
    whole = _words(title)
    if any(whole in body for body in bodies):
        return True
    words = title.split()
    for cut in range(1, len(words)):
        head, tail = _words(" ".join(words[:cut])), _words(" ".join(words[cut:]))
        for body, next_body in itertools.pairwise(bodies):
            if head in body[-400:] and next_body.startswith(tail):
                return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to keep the .docx and .pdf in")
    args = parser.parse_args()
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        print("libreoffice not found: apt-get install libreoffice-writer-nogui", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="nap-docx-") as folder:
        work = Path(folder)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NAP_"))},
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "DJANGO_DEBUG": "1",
            "DJANGO_LOG_LEVEL": "ERROR",
            "NAP_SHARED_CACHE_DIR": str(work / "cache"),
        }
        step("loading fixtures/nap_2025.json into a fresh SQLite database")
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "loaddata", "fixtures/nap_2025.json", "--verbosity", "0")
        manage(env, "publish_report", "--nap-2025")

        os.environ.update(env)
        configure_in_process()
        import django

        django.setup()
        from reporting.documents.docx import render_docx
        from reporting.models import ProgressReport
        from reporting.selectors import report_contents

        report = ProgressReport.objects.get(slug=REPORT_SLUG)
        titles = [entry.title for entry in report_contents(report).entries]
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            document = render_docx(report)
            timings.append(time.perf_counter() - started)
        docx_path = work / f"{REPORT_SLUG}.docx"
        docx_path.write_bytes(document)
        step(
            f"render_docx: {len(titles)} activities, {min(timings):.2f} s (fastest of "
            f"{args.repeat}), {len(document) / 1024:.0f} KiB"
        )

        step("converting with LibreOffice (headless)")
        started = time.perf_counter()
        subprocess.run(
            [
                office,
                f"-env:UserInstallation=file://{work / 'lo-profile'}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(docx_path),
            ],
            check=True,
            timeout=300,
            capture_output=True,
        )
        converted = time.perf_counter() - started
        pdf_path = docx_path.with_suffix(".pdf")
        if not pdf_path.is_file():
            print("FAIL: LibreOffice made no PDF: the .docx could not be read", file=sys.stderr)
            return 1
        from pypdf import PdfReader

        pages = PdfReader(pdf_path).pages
        page_texts = [page.extract_text() or "" for page in pages]
        furniture_ok = all("Stand van zaken per" in text for text in page_texts)
        bodies = [_words(_body_text(text)) for text in page_texts]
        missing = [title for title in titles if not _on_a_page(title, bodies)]
        step(
            f"LibreOffice: {converted:.1f} s, {len(pages)} pages, "
            f"{pdf_path.stat().st_size / 1024:.0f} KiB PDF"
        )
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(docx_path, args.keep)
            shutil.copy(pdf_path, args.keep)

    failures = []
    if not pages:
        failures.append("the PDF has no pages")
    if not furniture_ok:
        failures.append("not every page says 'Stand van zaken per' in its header")
    if missing:
        failures.append(f"{len(missing)} activity titles missing, e.g. {missing[:3]}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if not failures:
        step(f"OK: all {len(titles)} activity titles are in the PDF")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
