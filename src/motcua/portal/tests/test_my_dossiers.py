"""/ho-so-cua-toi/: the signed-in citizen's dossiers, their page (dates and why, history, documents,
results, slips) and the applicant's actions: answering a supplement request, withdrawing, rating."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client
from pytest_django import Settings

from motcua.citizens.models import Citizen
from motcua.core import clock
from motcua.documents.models import StoredFile
from motcua.documents.services import stored_file_create_generated
from motcua.documents.tests import samples
from motcua.dossiers import services
from motcua.dossiers.documents import dossier_document_add
from motcua.dossiers.models import Dossier, DossierDocument, ResultDocument
from motcua.dossiers.tests.applicant_support import (
    BINH_ID,
    BIRTH_CERTIFICATE,
    COMPANY_TAX_CODE,
    FORM,
    citizen,
    company,
    received,
    represent,
    result_ready,
    supplement_requested,
)
from motcua.dossiers.tests.conftest import MONDAY, TZ, World, at, build_world
from motcua.dossiers.workflow import State
from motcua.portal.tests.html import find, parse, text_of
from motcua.ratings.models import CRITERIA, Rating

pytestmark = pytest.mark.django_db

LIST = "/ho-so-cua-toi/"


def page(dossier: Dossier, suffix: str = "") -> str:
    return f"{LIST}{dossier.code or dossier.uuid}/{suffix}"


@pytest.fixture(autouse=True)
def storage(settings: Settings, tmp_path: Path) -> Path:
    return samples.use_tmp_storage(settings, tmp_path)


@pytest.fixture
def traveller() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY, tick=False) as moving:
        yield moving


@pytest.fixture
def world(db: None, traveller: time_machine.Traveller) -> World:
    return build_world()


@pytest.fixture
def an(world: World) -> Citizen:
    return citizen()


@pytest.fixture
def browser(an: Citizen) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(an.user)
    return client


def body(response: object) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return response.getvalue()


# -- the list and who sees what ---------------------------------------------------------------------------


def test_signing_in_is_required(world: World) -> None:
    dossier = received(world)
    for url in (LIST, page(dossier), page(dossier, "bo-sung/"), "/thong-bao/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/dang-nhap/?next=")


def test_the_list_shows_the_citizens_and_the_principals_dossiers_only(
    world: World, an: Citizen, browser: Client
) -> None:
    mine = received(world)
    companys = received(world, name="Công ty TNHH Thương mại Hàng Bạc", id_number=COMPANY_TAX_CODE)
    binhs = received(world, name="Trần Thị Bình", id_number=BINH_ID)
    waiting = supplement_requested(world)
    represent(an, company())

    response = browser.get(LIST)

    assert response.status_code == 200
    hrefs = [a.attrs.get("href", "") for a in find(parse(response.content), "a")]
    links = [href for href in hrefs if href.startswith(LIST) and href != LIST]
    assert links == [page(waiting), page(companys), page(mine)]  # waiting for the citizen first
    assert binhs.code is not None and binhs.code not in response.content.decode()
    assert "Action needed: documents to supplement" in text_of(response.content)


def test_someone_elses_dossier_is_a_404_like_one_that_does_not_exist(world: World, browser: Client) -> None:
    binhs = received(world, name="Trần Thị Bình", id_number=BINH_ID)
    file = dossier_document_add(
        dossier=binhs, component=FORM, content=samples.pdf_bytes(), name="to-khai.pdf", origin="uploaded"
    ).file

    for url in (page(binhs), page(binhs, "rut-ho-so/"), page(binhs, "danh-gia/"), page(binhs, f"giay-to/{file.uuid}/")):
        assert browser.get(url).status_code == 404
    assert browser.get(f"{LIST}000.00.00.X00-260302-9999/").status_code == 404
    assert browser.post(page(binhs, "rut-ho-so/"), {"reason": "x", "revision": binhs.revision}).status_code == 404
    assert Dossier.objects.get(pk=binhs.pk).state == State.RECEIVED


# -- the page of a dossier --------------------------------------------------------------------------------


def test_the_page_explains_the_dates_and_tells_the_history(
    world: World, browser: Client, traveller: time_machine.Traveller
) -> None:
    dossier = supplement_requested(world)
    traveller.move_to(at(3, 4, 9))
    browser.post(
        page(dossier, "bo-sung/"),
        {
            "revision": dossier.revision,
            "document_0": SimpleUploadedFile("to-khai.pdf", samples.pdf_bytes(), "application/pdf"),
            "document_1": SimpleUploadedFile("giay-chung-sinh.png", samples.png_bytes(), "image/png"),
        },
    )

    response = browser.get(page(dossier))

    assert response.status_code == 200
    text = text_of(response.content)
    assert "Being handled" in text
    # The explanation of the due moment, with the time the clock stood still.
    assert "The clock stood still for 16 working hours while the applicant supplemented the dossier." in text
    assert "Due: Thursday 05/03/2026 09:00." in text
    # Every change of the dates, from the history.
    rows = [[" ".join(cell.text.split()) for cell in row.children] for row in find(parse(response.content), "tr")]
    assert rows[1:] == [
        ["09:00 02/03/2026", "Received: the appointment is set.", "—", "09:00 03/03/2026"],
        ["09:00 02/03/2026", "Documents requested: the time limit stopped running.", "09:00 03/03/2026", "paused"],
        [
            "09:00 04/03/2026",
            "Documents sent: the time limit runs again, moved by the time it stood still.",
            "09:00 03/03/2026",
            "09:00 05/03/2026",
        ],
    ]
    assert "The agency asked for more documents; the time limit is paused until they are sent." in text
    assert f"{BIRTH_CERTIFICATE}: Bản chụp không đọc được." in text
    assert world.specialist.full_name not in text
    # The documents provided, the receipt and the supplement request.
    assert "to-khai.pdf" in text and "giay-chung-sinh.png" in text
    slips = [a.attrs["href"] for a in find(parse(response.content), "a") if "/phieu/" in a.attrs.get("href", "")]
    assert slips == [page(dossier, "phieu/receipt/"), page(dossier, "phieu/supplement/")]


def test_the_citizen_downloads_the_files_of_the_dossier_and_its_electronic_result(
    world: World, browser: Client
) -> None:
    dossier = received(world)
    document = dossier_document_add(
        dossier=dossier,
        component=FORM,
        content=samples.pdf_bytes("To khai"),
        name="to-khai.pdf",
        origin="digitised",
        officer=world.receiver,
    )
    (result,) = services.dossier_mark_result_ready(
        dossier=dossier, officer=world.specialist, results=[{"name": "Giấy khai sinh"}]
    )
    pdf = samples.pdf_bytes("Giay khai sinh")
    stored = stored_file_create_generated(content=pdf, name="kq.pdf")
    ResultDocument.objects.filter(pk=result.pk).update(file=stored, signed_at=clock.now())

    own = browser.get(page(dossier, f"giay-to/{document.file.uuid}/"))
    issued = browser.get(page(dossier, f"ket-qua/{result.code}/"))
    wrong = browser.get(page(dossier, f"giay-to/{stored.uuid}/"))

    assert own.status_code == 200 and body(own) == samples.pdf_bytes("To khai")
    assert own["Content-Disposition"].startswith("attachment") and own["Cache-Control"] == "private, no-store"
    assert issued.status_code == 200 and body(issued) == pdf
    assert wrong.status_code == 404  # a file, but not a document of this dossier
    text = text_of(browser.get(page(dossier)).content)
    assert "Result ready" in text and "download the electronic result (PDF)" in text


def test_the_receipt_is_given_as_a_pdf(world: World, browser: Client) -> None:
    dossier = received(world)

    response = browser.get(page(dossier, "phieu/receipt/"))
    internal = browser.get(page(dossier, "phieu/control/"))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert internal.status_code == 404  # the process control slip is the agencies' own record


# -- answering a supplement request ----------------------------------------------------------------------


def test_the_supplement_page_asks_for_exactly_the_requested_documents(world: World, browser: Client) -> None:
    dossier = supplement_requested(world)

    response = browser.get(page(dossier, "bo-sung/"))

    elements = parse(response.content)
    inputs = [i.attrs["name"] for i in find(elements, "input") if i.attrs.get("type") == "file"]
    assert inputs == ["document_0", "document_1"]
    labels = [
        " ".join(label.text.split())
        for label in find(elements, "label")
        if label.attrs.get("for", "").startswith("id_document_")
    ]
    assert labels == [FORM, BIRTH_CERTIFICATE]
    text = text_of(response.content)
    assert "Thiếu chữ ký của người yêu cầu." in text and "Bản chụp không đọc được." in text


def test_sending_the_documents_restarts_the_clock(
    world: World, browser: Client, traveller: time_machine.Traveller
) -> None:
    dossier = supplement_requested(world)
    traveller.move_to(at(3, 4, 9))

    response = browser.post(
        page(dossier, "bo-sung/"),
        {
            "revision": dossier.revision,
            "document_0": SimpleUploadedFile("to-khai.pdf", samples.pdf_bytes(), "application/pdf"),
            "document_1": SimpleUploadedFile("giay-chung-sinh.jpg", samples.jpeg_bytes(), "image/jpeg"),
        },
    )

    assert response.status_code == 302 and response["Location"] == page(dossier)
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.state == State.IN_PROCESS
    assert after.due_at == at(3, 5, 9).astimezone(TZ)
    assert sorted(DossierDocument.objects.filter(dossier=dossier).values_list("component", flat=True)) == sorted(
        [FORM, BIRTH_CERTIFICATE]
    )
    assert "Your documents were sent." in text_of(browser.get(page(dossier)).content)


def test_a_wrong_file_type_is_refused_and_nothing_changes(world: World, browser: Client, storage: Path) -> None:
    dossier = supplement_requested(world)

    response = browser.post(
        page(dossier, "bo-sung/"),
        {
            "revision": dossier.revision,
            "document_0": SimpleUploadedFile("to-khai.pdf", samples.pdf_bytes(), "application/pdf"),
            "document_1": SimpleUploadedFile("giay-chung-sinh.pdf", samples.pe_bytes(), "application/pdf"),
        },
    )

    assert response.status_code == 400
    summary = [d for d in find(parse(response.content), "div") if d.attrs.get("class") == "error-summary"]
    assert summary and "a Windows program" in summary[0].text
    assert [a.attrs["href"] for a in find(parse(response.content), "a") if a.attrs.get("href") == "#id_document_1"]
    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.state, after.revision) == (State.SUPPLEMENT_REQUESTED, dossier.revision)
    assert not DossierDocument.objects.filter(dossier=dossier).exists()
    assert not StoredFile.objects.exists() and samples.files_in(storage) == []


def test_every_requested_document_needs_its_file(world: World, browser: Client) -> None:
    dossier = supplement_requested(world)

    response = browser.post(
        page(dossier, "bo-sung/"),
        {
            "revision": dossier.revision,
            "document_0": SimpleUploadedFile("to-khai.pdf", samples.pdf_bytes(), "application/pdf"),
        },
    )

    assert response.status_code == 400
    assert f"Choose the file for “{BIRTH_CERTIFICATE}”." in text_of(response.content)
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUPPLEMENT_REQUESTED


def test_a_dossier_changed_meanwhile_is_not_supplemented_and_the_citizen_is_told(world: World, browser: Client) -> None:
    dossier = supplement_requested(world)
    seen = dossier.revision
    dossier_document_add(
        dossier=dossier,
        component=FORM,
        content=samples.pdf_bytes(),
        name="scan.pdf",
        origin="digitised",
        officer=world.receiver,
    )

    response = browser.post(
        page(dossier, "bo-sung/"),
        {
            "revision": seen,
            "document_0": SimpleUploadedFile("to-khai.pdf", samples.pdf_bytes(), "application/pdf"),
            "document_1": SimpleUploadedFile("giay-chung-sinh.png", samples.png_bytes(), "image/png"),
        },
        follow=True,
    )

    assert "The dossier changed while you were on this page" in text_of(response.content)
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUPPLEMENT_REQUESTED
    assert DossierDocument.objects.filter(dossier=dossier, origin="uploaded").count() == 0


# -- withdrawing ------------------------------------------------------------------------------------------


def test_withdrawing_asks_for_a_reason_and_a_confirmation(world: World, browser: Client) -> None:
    dossier = received(world)
    url = page(dossier, "rut-ho-so/")

    empty = browser.post(url, {"reason": "", "revision": dossier.revision})
    asked = browser.post(url, {"reason": "Tôi đã nộp ở nơi khác", "revision": dossier.revision})

    assert empty.status_code == 400 and "Say why you withdraw the dossier." in text_of(empty.content)
    assert asked.status_code == 200 and "This cannot be undone." in text_of(asked.content)
    assert Dossier.objects.get(pk=dossier.pk).state == State.RECEIVED  # nothing until confirmed

    confirmed = browser.post(url, {"reason": "Tôi đã nộp ở nơi khác", "revision": dossier.revision, "confirm": "on"})

    assert confirmed.status_code == 302
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.state == State.WITHDRAWN
    assert after.history.order_by("-sequence").first().reason == "Tôi đã nộp ở nơi khác"  # type: ignore[union-attr]
    again = browser.get(url)
    assert "can no longer be withdrawn" in text_of(again.content)


# -- rating -----------------------------------------------------------------------------------------------


def rating_form(**changes: str) -> dict[str, str]:
    form = {c.field: "2" for c in CRITERIA}
    form["feedback"] = "na"
    form["comment"] = "Cán bộ hướng dẫn tận tình."
    return {**form, **changes}


def test_rating_waits_for_the_result(world: World, browser: Client) -> None:
    dossier = received(world)

    response = browser.post(page(dossier, "danh-gia/"), rating_form())

    assert response.status_code == 409
    assert "once the result of the dossier is ready" in text_of(response.content)
    assert not Rating.objects.exists()


def test_the_citizen_rates_the_service_on_the_twelve_criteria(world: World, an: Citizen, browser: Client) -> None:
    dossier = result_ready(world)
    url = page(dossier, "danh-gia/")

    form = parse(browser.get(url).content)
    legends = [" ".join(legend.text.split()) for legend in find(form, "legend")]
    assert len(legends) == 12 and legends[0].startswith("1. ") and legends[11].startswith("12. ")
    incomplete = browser.post(url, rating_form(overall="", convenience="7"))
    assert incomplete.status_code == 400
    errors = [a.attrs["href"] for a in find(parse(incomplete.content), "a") if a.attrs.get("href", "").startswith("#")]
    assert errors[-2:] == ["#id_overall_0", "#id_convenience_0"]
    assert not Rating.objects.exists()

    first = browser.post(url, rating_form(overall="3"))
    second = browser.post(url, rating_form(overall="1", comment="Phải đi lại nhiều lần."))

    assert first.status_code == second.status_code == 302
    versions = list(Rating.objects.filter(dossier=dossier, citizen=an).order_by("version"))
    assert [(r.version, r.overall, r.feedback) for r in versions] == [(1, 3, None), (2, 1, None)]
    assert versions[0].comment == "Cán bộ hướng dẫn tận tình."
    # The form shows the answers in force.
    checked = [i.attrs["value"] for i in find(parse(browser.get(url).content), "input") if "checked" in i.attrs]
    assert checked[0] == "1"
