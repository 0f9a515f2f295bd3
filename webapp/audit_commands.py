"""``dobro audit prune``: delete the access log's entries older than the retention period.

The job runners do it daily (``audit.prune``); this is for a server that runs no job
runner, or to check at once what the period removes.
"""

from __future__ import annotations

import argparse

from webapp import db
from webapp.commands import configured_app, one_line_errors
from webapp.services import audit


@one_line_errors
def run_audit_prune(args: argparse.Namespace) -> int:
    """Delete the entries older than ``--months`` (default DOBRO_AUDIT_KEEP_MONTHS, 24)."""
    with configured_app() as app, app.app_context():
        months = args.months or audit.keep_months(app.config)
        database = db.session()
        removed = audit.prune(database, months)
        database.commit()
        left = audit.count_entries(database)
    print(f"Журнал на достъпа: изтрити {removed} записа по-стари от {months} месеца; "
          f"остават {left}.")
    return 0
