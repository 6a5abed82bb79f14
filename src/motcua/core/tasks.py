"""Background jobs of the core app (django.tasks API, run by `motcua db_worker`)."""

from __future__ import annotations

from django_tasks import task

from motcua.core import events


@task()
def deliver_events() -> dict[str, int]:
    """Deliver the domain events that are due, until none is left (or a minute has passed).

    Enqueued after the commit of each transaction that published an event (core.events.publish).
    It is only an accelerator: the `deliver-events` sweeper delivers the same rows if this job is
    lost, and both may run at once (deliveries are claimed with compare-and-set). Returns the
    counts of core.events.DeliveryReport, kept as the job's result.
    """
    return events.deliver_until_idle().as_dict()
