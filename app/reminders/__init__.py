"""Reminders and escalation (the scheduler's daily job), delegation of
approvals, watching, digests, the monthly product-tracking report and the
department assessment (issue 16)."""
