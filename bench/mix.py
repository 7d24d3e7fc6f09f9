"""Mix benchmark: how long the mix (`survey.mixing`) takes for 1,000 and 100,000 new responses.

For each size, a fresh SQLite database (WAL, the app's own settings) gets that many
unmixed responses of the article's survey (generated answer sets, coded as a submit codes
them) and as many participations, written in one bulk transaction; then one mix is timed,
and a full mix after it; then the mixer's usual mix: `PRIVACY_MIX_RESPONSES` (20) new
responses beside those already mixed, whose cost grows with the participation table it
rewrites. Checked afterwards: every response kept, none left unmixed, the WAL truncated.
The submit benchmark (`bench.submit`) runs with the mixer in the background (the default),
which is the mix's cost under load. Written to bench/results/mix.json.
"""

import os
import platform
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import ROOT
from bench.answers import answer_sets
from bench.submit import cpu_count, write_results
from survey.definition import load_definition_file

NAME = "mix"
SLUG = "xing-linkedin"
DEFINITION = ROOT / "survey" / "definitions" / f"{SLUG}.yaml"
BATCH = 5_000  # rows a bulk insert statement carries


def add_arguments(parser) -> None:
    """This benchmark's options (`python -m bench --help`)."""
    group = parser.add_argument_group("mix")
    group.add_argument("--mix-sizes", type=int, nargs="+", default=[1_000, 100_000],
                       help="new responses waiting for the timed mix (default 1000 100000)")


def _fill(count: int, sets: list[tuple[str, dict]]) -> None:
    """`count` unmixed responses and participations, as submits leave them (but in bulk)."""
    from sqlalchemy import insert

    from survey.database import write_transaction
    from survey.definition.records import coded_response
    from survey.extensions import db
    from survey.mixing import today
    from survey.models import Participation, Response, new_response_id
    from survey.surveys import definition_of, find_survey, newest_version

    version = newest_version(find_survey(SLUG))
    definition, version_id, day = definition_of(version), version.id, today()
    records = [coded_response(definition, answers, version_id=version_id, day=day,
                              is_demo=False) for _language, answers in sets]
    for start in range(0, count, BATCH):
        rows = []
        for number in range(start, min(count, start + BATCH)):
            language, answers = sets[number % len(sets)]
            rows.append({"id": new_response_id(), "survey_version_id": version_id,
                         "submission_key": secrets.token_hex(32), "language": language,
                         "submitted_on": day, "answers": answers,
                         "frame_record": records[number % len(sets)], "is_demo": False,
                         "unmixed": True})
        with write_transaction():
            db.session.execute(insert(Response), rows)
            db.session.execute(insert(Participation),
                               [{"key": secrets.token_hex(32)} for _ in rows])


def measure(size: int, sets, tmp: Path) -> dict:
    """One fresh database with `size` new responses: the mix's and a full mix's time."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import create_app
    from survey.extensions import db
    from survey.mixing import mix, unmixed_count
    from survey.models import Response
    from survey.surveys import load_survey_file

    database = tmp / f"mix-{size}.sqlite3"
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "PRIVACY_MIX_IN_BACKGROUND": False})
    with app.app_context():
        upgrade()
        load_survey_file(DEFINITION)
        _fill(size, sets)
        db.session.remove()
        result = mix(wait=True)
        full = mix(full=True, wait=True)
        # The mixer's usual mix: a window's worth of new responses beside `size` mixed ones
        # (every participation is rewritten, so its cost grows with the table).
        routine_size = app.config["PRIVACY_MIX_RESPONSES"]
        _fill(routine_size, sets)
        db.session.remove()
        routine = mix(wait=True)
        db.session.rollback()
        kept = db.session.scalar(select(func.count()).select_from(Response))
        waiting = unmixed_count()
        wal = Path(f"{database}-wal")
        wal_bytes = wal.stat().st_size if wal.exists() else 0
        db.session.remove()
        db.engine.dispose()
    return {"new_responses": size, "mix_seconds": round(result.seconds, 3),
            "responses_moved": result.responses, "full_mix_seconds": round(full.seconds, 3),
            "routine_mix": {"new_responses": routine_size, "beside_mixed": size,
                            "seconds": round(routine.seconds, 3)},
            "responses_kept": kept, "left_unmixed": waiting, "wal_bytes_after": wal_bytes,
            "file_mb": round(database.stat().st_size / 1e6, 1),
            "nothing_lost": (kept == size + routine_size and waiting == 0
                             and result.responses == size
                             and routine.responses == routine_size)}


def run(options) -> int:
    """Run, print, write the results; 1 if a response was lost or left unmixed."""
    definition = load_definition_file(DEFINITION)
    sets = answer_sets(definition, 1000, 2012)
    print(f"mix: {', '.join(f'{s:,}' for s in options.mix_sizes)} new responses of {SLUG} "
          f"on SQLite; {cpu_count()} cores", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="resonanz-bench-mix-") as tmp:
        for size in options.mix_sizes:
            started = time.perf_counter()
            row = measure(size, sets, Path(tmp))
            rows.append(row)
            print(f"mix       {size:>9,} new: {row['mix_seconds']:8.2f} s "
                  f"({size / row['mix_seconds']:,.0f} responses/s); full mix after it "
                  f"{row['full_mix_seconds']:.2f} s; then {row['routine_mix']['new_responses']} "
                  f"new beside them {row['routine_mix']['seconds']:.2f} s; "
                  f"{row['file_mb']} MB; WAL after "
                  f"{row['wal_bytes_after']} bytes; "
                  f"{'nothing lost' if row['nothing_lost'] else 'LOST OR UNMIXED'} "
                  f"(with setup {time.perf_counter() - started:.0f} s)", flush=True)
    document = {
        "benchmark": NAME,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpu_cores": cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "database": "SQLite (WAL, synchronous=FULL, secure_delete) in a temporary directory",
        "sizes": rows,
        "nothing_lost": all(row["nothing_lost"] for row in rows),
    }
    print(f"wrote {write_results(document, NAME).relative_to(ROOT)}")
    return 0 if document["nothing_lost"] else 1
