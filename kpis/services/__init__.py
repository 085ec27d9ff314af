"""Writes to KPIs, periods, returns and escalations. Each checks its rules and audits."""
