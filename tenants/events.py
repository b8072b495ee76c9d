"""In-process domain events: an app announces a fact, another reacts, neither imports the other.

Handlers run after the surrounding transaction commits, inside the tenant's scope, so a
rolled-back change announces nothing. The tier engine subscribes to order and activity
events to re-evaluate immediate-change programs.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from tenants.scope import on_commit_in_scope

logger = logging.getLogger(__name__)

_handlers: dict[str, list[Callable[..., None]]] = defaultdict(list)

ORDER_COMPLETED = "order_completed"
ACTIVITY_VERIFIED = "activity_verified"
SALES_ACTIVITY_RECORDED = "sales_activity_recorded"
REGISTRATION_DECIDED = "registration_decided"
REFUND_RECORDED = "refund_recorded"
PROGRAM_CHANGE_NOTICE_GIVEN = "program_change_notice_given"


def subscribe(event: str, handler: Callable[..., None]) -> None:
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def emit(event: str, **payload) -> None:
    """Announce `event` once the current transaction commits."""

    def deliver() -> None:
        for handler in list(_handlers[event]):
            handler(**payload)
        logger.info("event.emitted", extra={"event_name": event, "handlers": len(_handlers[event])})

    on_commit_in_scope(deliver)
