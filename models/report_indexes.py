"""Indexes the statistics screen reads (``reports/statistics.py``), so a year of a
million-complaint office is counted from index entries alone.

The complaint figures of whole months come from ``complaint_tally``
(``models/complaint_tally.py``); these indexes serve what is still counted live: the
partial months at a period's ends, the top customers, and a reader whose visibility
rule the tally does not carry. Each is one grouped query under ``visible()`` (``level
IN (...)``, and ``department_id = ?`` for department users): an index that starts with
the period's column and carries every column the query filters and groups by is read
as a range, in order, without touching the table. Customers and archive files (a tenth
and a fifth of the complaints) are counted from their tables: an extra index on their
level would draw the planner away from the list indexes on small tables.
"""
from __future__ import annotations

import sqlalchemy as sa

from .complaint import Complaint

#: Complaints by month of receipt: kind, severity, channel, responsible department,
#: top customers and products.
COMPLAINTS_RECEIVED = sa.Index(
    "ix_complaint_stats_received", Complaint.received_at, Complaint.level,
    Complaint.department_id, Complaint.kind, Complaint.severity, Complaint.channel,
    Complaint.responsible_department_id, Complaint.customer_id, Complaint.product)

#: The on-time verdicts and handling times, by month of the written notification.
COMPLAINTS_NOTIFIED = sa.Index(
    "ix_complaint_stats_notified", Complaint.notified_at, Complaint.level,
    Complaint.department_id, Complaint.handled_on_time, Complaint.received_at,
    sqlite_where=sa.text("notified_at IS NOT NULL"),
    postgresql_where=sa.text("notified_at IS NOT NULL"))
