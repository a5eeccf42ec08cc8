"""Every write of the reports app: the management reports' steps (reports.actions.management) and
the analyses' exports (reports.actions.exports). The reports app writes only its own rows and
audit rows; everything else it reads through the other apps' selectors (STYLE §1)."""

from reports.actions.exports import export_analysis
from reports.actions.management import ActionError, create_report, delete_report, submit_report, update_report

__all__ = ["ActionError", "create_report", "delete_report", "export_analysis", "submit_report", "update_report"]
