"""Preventive maintenance on the server: a schedule's state (`state`), the generator that
makes each occurrence's order exactly once (`generate`), and the timer that runs it in
every server process (`timer`; `ordo-server schedules run` runs it once, for cron)."""

from server_stub.schedules.generate import RunReport, run_schedules
from server_stub.schedules.timer import ScheduleTimer

__all__ = ["RunReport", "ScheduleTimer", "run_schedules"]
