"""The outbox in the admin: read-only pages, and "Retry now" for failed deliveries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from motcua.core import clock
from motcua.core.events import deliver_pending, publish
from motcua.core.models import DeliveryState, EventDelivery, OutboxEvent
from motcua.core.tests.support import Recorder, received

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(recorder: Recorder) -> EventDelivery:
    """P-1 published; tests.audit delivered, tests.notify failed."""
    recorder.fail = lambda name, published: name == "tests.notify"
    with transaction.atomic():
        publish(received("P-1"), aggregate_type="parcel", aggregate_id="P-1")
    deliver_pending(now=clock.now(), max_attempts=1)
    recorder.fail = lambda name, published: False
    return EventDelivery.objects.get(state=DeliveryState.FAILED)


def _staff(*permissions: str) -> Client:
    user = User.objects.create_user("operator", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client = Client()
    client.force_login(user)
    return client


def test_the_pages_show_events_and_deliveries_read_only(admin_client: Client, failed: EventDelivery) -> None:
    event = OutboxEvent.objects.get()

    assert "tests.parcel_received" in admin_client.get(reverse("admin:core_outboxevent_changelist")).content.decode()
    page = admin_client.get(reverse("admin:core_outboxevent_change", args=[event.id])).content.decode()
    assert "tests.notify" in page and "could not handle P-1#1" in page
    listing = admin_client.get(reverse("admin:core_eventdelivery_changelist"), {"state": "failed"}).content.decode()
    results = listing.split('id="result_list"')[1].split("</table>")[0]
    assert "tests.notify" in results and "tests.audit" not in results
    by_handler = admin_client.get(reverse("admin:core_eventdelivery_changelist"), {"handler": "tests.audit"})
    assert by_handler.status_code == 200
    assert admin_client.get(reverse("admin:core_eventdelivery_change", args=[failed.id])).status_code == 200

    assert admin_client.get(reverse("admin:core_outboxevent_add")).status_code == 403
    assert admin_client.get(reverse("admin:core_eventdelivery_add")).status_code == 403
    assert admin_client.post(reverse("admin:core_outboxevent_delete", args=[event.id])).status_code == 403
    assert admin_client.post(reverse("admin:core_eventdelivery_delete", args=[failed.id])).status_code == 403
    admin_client.post(reverse("admin:core_eventdelivery_change", args=[failed.id]), {"state": "delivered"})
    failed.refresh_from_db()
    assert failed.state == DeliveryState.FAILED


def test_retry_now_puts_failed_deliveries_back_and_leaves_the_others(
    admin_client: Client, failed: EventDelivery, settings: Settings
) -> None:
    settings.LANGUAGE_CODE = "en"  # the messages are checked in English; core's translation tests check Vietnamese
    delivered = EventDelivery.objects.get(state=DeliveryState.DELIVERED)

    response = admin_client.post(
        reverse("admin:core_eventdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [failed.id, delivered.id]},
        follow=True,
    )

    page = response.content.decode()
    assert "1 failed delivery will be tried again now." in page
    assert "Only failed deliveries can be retried" in page
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (DeliveryState.PENDING, 0)
    assert deliver_pending(now=clock.now()).delivered == 1


def test_retry_now_needs_the_permission_to_change_deliveries(failed: EventDelivery) -> None:
    viewer = _staff("view_eventdelivery")
    url = reverse("admin:core_eventdelivery_changelist")

    assert "retry_now" not in viewer.get(url).content.decode()
    viewer.post(url, {"action": "retry_now", "_selected_action": [failed.id]})
    failed.refresh_from_db()
    assert failed.state == DeliveryState.FAILED

    User.objects.all().delete()
    operator = _staff("view_eventdelivery", "change_eventdelivery")
    assert "retry_now" in operator.get(url).content.decode()
