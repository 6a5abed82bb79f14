"""Applying online through the pages (portal.apply): sign-in, start, the prefilled e-form, drafts on
any device, two tabs, refused input and files, the review, the submission and its acknowledgement."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django import Settings

from motcua.catalog.eform_services import EFORMS_DIR, eforms_load_packaged
from motcua.catalog.tests import factories
from motcua.citizens.models import Citizen
from motcua.documents.tests.samples import docx_bytes, pdf_bytes, pe_bytes, use_tmp_storage
from motcua.dossiers import drafts, services
from motcua.dossiers.models import Dossier, DossierDocument, Draft
from motcua.dossiers.tests.apply_support import FILLED, FORM, NGOC_ID, ngoc, start
from motcua.dossiers.tests.conftest import MONDAY, PROCEDURE, World, build_world
from motcua.portal.apply import slot_key
from motcua.portal.tests.html import Element, find, parse, text_of

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db


def _client() -> Client:
    """A browser asking for English: the tests check the English source messages."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def monday() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def storage(settings: Settings, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


@pytest.fixture
def citizen(world: World) -> Citizen:
    return ngoc()


@pytest.fixture
def signed_in(citizen: Citizen) -> Client:
    client = _client()
    client.force_login(citizen.user)
    return client


def _start_url(code: str = PROCEDURE) -> str:
    return reverse("portal:apply_start", args=[code])


def _draft_url(draft: Draft) -> str:
    return reverse("portal:draft", args=[draft.uuid])


def _revision(response: Response) -> str:
    [field] = find(parse(response.content), "input", name="revision")
    return field.attrs["value"]


def _value(response: Response, name: str) -> str:
    """What the page shows in the control `name` (input value, textarea text, selected option)."""
    elements = parse(response.content)
    for element in elements:
        if element.attrs.get("name") != name:
            continue
        if element.tag == "input":
            if element.attrs.get("type") == "checkbox":
                return "yes" if "checked" in element.attrs else ""
            return element.attrs.get("value", "")
        if element.tag == "textarea":
            return element.text
        if element.tag == "select":
            selected = [o for o in element.children if o.tag == "option" and "selected" in o.attrs]
            return selected[0].attrs["value"] if selected else ""
    raise AssertionError(f"no control named {name}")


def _post_form(client: Client, draft: Draft, revision: str, **values: Any) -> Response:
    return client.post(_draft_url(draft), {"revision": revision, **values})


def _descendants(element: Element) -> list[Element]:
    found = []
    for child in element.children:
        found.append(child)
        found.extend(_descendants(child))
    return found


def _errors(response: Response) -> dict[str, str]:
    """The error summary at the top of the page: link target → message."""
    [summary] = find(parse(response.content), "div", id="error-summary")
    return {a.attrs["href"]: " ".join(a.text.split()) for a in _descendants(summary) if a.tag == "a"}


def _pdf(name: str = "to-khai.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes("To khai"), content_type="application/pdf")


# -- sign-in and the start page -------------------------------------------------------------------------------


def test_signing_in_is_required_and_brings_the_citizen_back(world: World) -> None:
    response = _client().get(_start_url())
    assert response.status_code == 302
    assert response["Location"] == "/dang-nhap/?next=%2Fthu-tuc%2F1.001193%2Fnop-ho-so%2F"
    assert _client().get(reverse("portal:drafts"))["Location"].startswith("/dang-nhap/?next=")


def test_the_procedure_page_links_to_the_application(world: World, signed_in: Client) -> None:
    page = signed_in.get(reverse("portal:procedure_detail", args=[PROCEDURE]))
    assert [a for a in find(parse(page.content), "a", href=_start_url()) if "button" in a.attrs.get("class", "")]


def test_a_procedure_without_an_online_channel_has_no_button_and_its_address_says_so(world: World) -> None:
    channels = [c for c in factories.content()["channels"] if c["channel"] == "in_person"]
    factories.procedure("1.000894", "Đăng ký kết hôn", channels=channels)
    page = _client().get(reverse("portal:procedure_detail", args=["1.000894"]))
    assert not find(parse(page.content), "a", href=_start_url("1.000894"))
    response = _client().get(_start_url("1.000894"))
    assert response.status_code == 404
    assert "This procedure cannot be submitted online" in text_of(response.content)
    assert _client().get(_start_url("9.999999")).status_code == 404


def test_the_start_page_proposes_the_citizens_own_agencies(world: World, signed_in: Client) -> None:
    response = signed_in.get(_start_url())
    assert response.status_code == 200
    assert _value(response, "competent_agency") == world.ward.code
    assert _value(response, "receiving_agency") == ""  # the ward's own one-stop unit
    assert _value(response, "principal") == f"self:{NGOC_ID}"
    [facts] = find(parse(response.content), "section", **{"aria-labelledby": "facts-title"})
    rows = [(dt.text, dd.text) for div in _descendants(facts) if div.tag == "div" for dt, dd in [div.children[:2]]]
    assert rows == [
        ("Time limit", "1 working day"),
        ("Fees", "Free of charge"),
        ("Online service", "Full online service"),
    ]
    [receiving] = find(parse(response.content), "select", name="receiving_agency")
    assert [o.text for o in receiving.children if o.tag == "option"] == [
        "The one-stop unit of the agency you chose (recommended)",
        world.centre.name,
        world.province_centre.name,
    ]


def test_starting_creates_a_draft_and_opens_the_form(world: World, signed_in: Client, citizen: Citizen) -> None:
    response = signed_in.post(
        _start_url(), {"principal": f"self:{NGOC_ID}", "competent_agency": world.ward.code, "receiving_agency": ""}
    )
    draft = Draft.objects.get(citizen=citizen)
    assert response.status_code == 302 and response["Location"] == _draft_url(draft)
    assert (draft.competent_agency, draft.receiving_agency) == (world.ward, world.centre)


def test_a_centre_of_another_province_is_refused(world: World, signed_in: Client) -> None:
    base = {"principal": f"self:{NGOC_ID}", "competent_agency": world.ward.code}
    refused = signed_in.post(_start_url(), {**base, "receiving_agency": world.centre_b.code})
    assert refused.status_code == 400
    assert "receives dossiers only for agencies of its own province" in text_of(refused.content)
    assert not Draft.objects.exists()
    # Nghị định 118/2025/NĐ-CP: any centre of the ward's province may receive it.
    accepted = signed_in.post(_start_url(), {**base, "receiving_agency": world.province_centre.code})
    assert accepted.status_code == 302
    assert Draft.objects.get().receiving_agency == world.province_centre


def test_someone_the_citizen_may_not_act_for_is_refused(world: World, signed_in: Client) -> None:
    response = signed_in.post(
        _start_url(), {"principal": "business:0102345677", "competent_agency": world.ward.code, "receiving_agency": ""}
    )
    assert response.status_code == 400
    assert "no authorisation in force" in text_of(response.content)
    assert not Draft.objects.exists()


# -- the form ---------------------------------------------------------------------------------------------------


def test_the_form_counts_and_marks_the_prefilled_fields(world: World, signed_in: Client, citizen: Citizen) -> None:
    draft = start(world, citizen)
    response = signed_in.get(_draft_url(draft))
    text = text_of(response.content)
    assert "6 of 8 fields are filled in from your identity." in text
    assert _value(response, "requester_name") == "Trần Thị Bích Ngọc"
    assert _value(response, "requester_phone") == "0908123456"
    elements = parse(response.content)
    [id_input] = find(elements, "input", name="requester_id")
    assert "readonly" in id_input.attrs
    assert "f-requester_name-prefilled" in find(elements, "input", name="requester_name")[0].attrs["aria-describedby"]
    assert find(elements, "input", name="requester_phone")[0].attrs["autocomplete"] == "tel"


def test_every_control_has_a_label_and_its_descriptions_exist(
    world: World, signed_in: Client, citizen: Citizen
) -> None:
    draft = start(world, citizen)
    response = _post_form(signed_in, draft, "1", action="review", **{**FILLED, "request": "", "requester_phone": "1"})
    assert response.status_code == 400
    elements = parse(response.content)
    ids = {e.attrs["id"] for e in elements if "id" in e.attrs}
    labelled = {e.attrs["for"] for e in find(elements, "label") if "for" in e.attrs}
    form = find(elements, "form", id="form")[0]
    controls = [e for e in _descendants(form) if e.tag in ("input", "select", "textarea")]
    for control in controls:
        if control.attrs.get("type") == "hidden":
            continue
        assert control.attrs["id"] in labelled, control.attrs
        for described in control.attrs.get("aria-describedby", "").split():
            assert described in ids, (control.attrs["name"], described)
    for link in _errors(response):
        assert link.removeprefix("#") in ids
    assert [legend.text.strip() for legend in find(elements, "legend")][:3] == [
        "About you (the person submitting)",
        "Your request",
        "Documents to attach",
    ]


def test_errors_are_listed_and_what_was_entered_is_kept(world: World, signed_in: Client, citizen: Citizen) -> None:
    eforms_load_packaged(directory=EFORMS_DIR)  # the birth registration e-form of 1.001193
    draft = start(world, citizen)
    assert draft.eform is not None
    response = _post_form(
        signed_in,
        draft,
        "1",
        action="review",
        requester_name="Trần Thị Bích Ngọc",
        requester_phone="0908123456",
        requester_address="45 Lê Lợi",
        requester_relation="mother",
        child_name="",
        child_gender="female",
        child_birth_date="31/02/2026",
        child_birth_place="Bệnh viện Từ Dũ",
        mother_name="Trần Thị Bích Ngọc",
        mother_id="07919000123",
        mother_birth_year="1990",
    )
    assert response.status_code == 400
    errors = _errors(response)
    assert errors["#f-child_name"] == "Fill in “Child's full name”."
    assert errors["#f-child_birth_date"].startswith("“Date of birth” must be a real date, written as dd/mm/yyyy")
    assert errors["#f-mother_id"] == (
        "Mother's personal identification number: The personal identification number must have exactly 12 digits; "
        "it has 11."
    )
    assert errors["#f-commitment"].startswith("Tick the box to confirm")
    # Everything entered is shown again and was saved: nothing is lost.
    assert _value(response, "mother_id") == "07919000123"
    assert _value(response, "child_birth_date") == "31/02/2026"
    assert _value(response, "child_birth_place") == "Bệnh viện Từ Dũ"
    [field] = find(parse(response.content), "input", name="mother_id")
    assert field.attrs["aria-invalid"] == "true"
    draft.refresh_from_db()
    assert (draft.data["mother_id"], draft.data["child_birth_place"]) == ("07919000123", "Bệnh viện Từ Dũ")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("to-khai.pdf", pe_bytes(), content_type="application/pdf"),
            "“to-khai.pdf” is named as a PDF document, but its content is a Windows program.",
        ),
        (
            SimpleUploadedFile("to-khai.docx", docx_bytes(), content_type="application/octet-stream"),
            "“to-khai.docx” is a Word document, which is not accepted here. Accepted files: .pdf, .jpg",
        ),
    ],
)
def test_a_refused_file_is_named_next_to_its_input_and_the_rest_is_kept(
    world: World, signed_in: Client, citizen: Citizen, storage: Path, upload: SimpleUploadedFile, message: str
) -> None:
    draft = start(world, citizen)
    key = slot_key(FORM)
    response = _post_form(signed_in, draft, "1", action="save", **{**FILLED, f"file-{key}": upload})
    assert response.status_code == 400
    assert _errors(response)[f"#file-{key}"].startswith(message)
    [error] = find(parse(response.content), "p", id=f"file-{key}-error")
    assert message[:40] in " ".join(error.text.split())
    assert _value(response, "request") == FILLED["request"]
    draft.refresh_from_db()
    assert draft.data["request"] == FILLED["request"] and not draft.files.exists()


def test_a_draft_resumes_on_another_device(world: World, signed_in: Client, citizen: Citizen, storage: Path) -> None:
    draft = start(world, citizen)
    saved = _post_form(signed_in, draft, "1", action="save", **{**FILLED, f"file-{slot_key(FORM)}": _pdf()})
    assert saved.status_code == 302
    other_device = _client()
    other_device.force_login(citizen.user)
    listing = other_device.get(reverse("portal:drafts"))
    assert find(parse(listing.content), "a", href=_draft_url(draft))
    page = other_device.get(_draft_url(draft))
    assert _value(page, "request") == FILLED["request"]
    assert "Attached: to-khai.pdf" in text_of(page.content)
    assert _revision(page) == "2"


def test_a_save_from_a_second_tab_is_refused_and_shows_what_was_entered(
    world: World, signed_in: Client, citizen: Citizen
) -> None:
    draft = start(world, citizen)
    first_tab = _post_form(signed_in, draft, "1", action="save", **{**FILLED, "request": "Từ thẻ thứ nhất."})
    assert first_tab.status_code == 302
    second_tab = _post_form(signed_in, draft, "1", action="save", **{**FILLED, "request": "Từ thẻ thứ hai."})
    assert second_tab.status_code == 409
    text = text_of(second_tab.content)
    assert "This draft was saved from another tab or device at Monday 02/03/2026 09:00" in text
    assert "Saved there differently: What you are asking for." in text
    assert _value(second_tab, "request") == "Từ thẻ thứ hai."  # nothing lost
    draft.refresh_from_db()
    assert draft.data["request"] == "Từ thẻ thứ nhất."  # nothing overwritten
    # Saving again from the second tab, now knowing the first one's save, keeps its entries.
    again = _post_form(
        signed_in, draft, _revision(second_tab), action="save", **{**FILLED, "request": "Từ thẻ thứ hai."}
    )
    assert again.status_code == 302
    draft.refresh_from_db()
    assert draft.data["request"] == "Từ thẻ thứ hai."


def test_another_citizens_draft_does_not_exist(world: World, signed_in: Client) -> None:
    other = ngoc(personal_id="079086012345", name="Nguyễn Văn An")
    draft = start(world, other)
    assert signed_in.get(_draft_url(draft)).status_code == 404
    assert signed_in.post(_draft_url(draft), {"revision": "1", **FILLED}).status_code == 404
    assert signed_in.get(reverse("portal:draft", args=["not-a-uuid"])).status_code == 404


def test_a_partly_online_procedure_says_what_is_still_done_in_person(world: World, signed_in: Client) -> None:
    factories.procedure(
        "1.004222",
        "Đăng ký thường trú",
        online_level="partial",
        online_level_reason="Phải xuất trình bản chính giấy tờ về chỗ ở hợp pháp.",
    )
    response = signed_in.get(_start_url("1.004222"))
    text = text_of(response.content)
    assert "What you still do in person" in text
    assert "Phải xuất trình bản chính giấy tờ về chỗ ở hợp pháp." in text
    full = text_of(signed_in.get(_start_url()).content)
    assert "What you still do in person" not in full


def test_the_residence_form_lists_the_communes_in_force(world: World, signed_in: Client, citizen: Citizen) -> None:
    factories.procedure("1.004222", "Đăng ký thường trú", competent_agency="Ủy ban nhân dân cấp xã")
    eforms_load_packaged(directory=EFORMS_DIR)
    signed_in.post(
        _start_url("1.004222"),
        {"principal": f"self:{NGOC_ID}", "competent_agency": world.ward.code, "receiving_agency": ""},
    )
    residence = Draft.objects.get(procedure_code="1.004222")
    response = signed_in.get(_draft_url(residence))
    [select] = find(parse(response.content), "select", name="new_commune")
    groups = [g for g in select.children if g.tag == "optgroup"]
    assert [g.attrs["label"] for g in groups] == ["Thành phố Hà Nội", "Thành phố Hồ Chí Minh"]
    assert "7 of 14 fields are filled in from your identity." in text_of(response.content)


# -- review, submission, acknowledgement ---------------------------------------------------------------------


def test_the_whole_application_from_start_to_acknowledgement(
    world: World, signed_in: Client, citizen: Citizen, storage: Path
) -> None:
    started = signed_in.post(
        _start_url(), {"principal": f"self:{NGOC_ID}", "competent_agency": world.ward.code, "receiving_agency": ""}
    )
    draft = Draft.objects.get()
    form = signed_in.get(started["Location"])
    continued = _post_form(
        signed_in, draft, _revision(form), action="review", **{**FILLED, f"file-{slot_key(FORM)}": _pdf()}
    )
    assert continued.status_code == 302
    assert continued["Location"] == reverse("portal:draft_review", args=[draft.uuid])

    review = signed_in.get(continued["Location"])
    text = text_of(review.content)
    assert "Check your answers before you submit" in text
    assert "What you are asking for Đăng ký khai sinh cho con gái tôi." in text
    assert f"{FORM}: to-khai.pdf" in text
    submitted = signed_in.post(continued["Location"], {"revision": _revision(review), "action": "submit"})
    acknowledgement_url = reverse("portal:draft_submitted", args=[draft.uuid])
    assert submitted.status_code == 302 and submitted["Location"] == acknowledgement_url

    dossier = Dossier.objects.get()
    assert (dossier.state, dossier.channel, dossier.submitted_by) == ("submitted", "online", citizen)
    assert dossier.form_data["values"]["request"] == FILLED["request"]
    assert dossier.form_data["values"]["requester_id"] == NGOC_ID
    [document] = DossierDocument.objects.filter(dossier=dossier)
    assert (document.component, document.origin, document.file.original_name) == (FORM, "uploaded", "to-khai.pdf")

    page = signed_in.get(acknowledgement_url)
    text = text_of(page.content)
    assert "Your dossier was sent" in text
    assert str(dossier.uuid) in text
    assert "Provisional: Tuesday 03/03/2026 09:00, if the centre receives your dossier now." in text
    assert "Due: Tuesday 03/03/2026 09:00." in text
    assert find(parse(page.content), "a", href=reverse("portal:my_dossier", args=[str(dossier.uuid)]))

    # Pressing "submit" again, or going back to the form, creates nothing.
    again = signed_in.post(continued["Location"], {"revision": _revision(review), "action": "submit"})
    assert again["Location"] == acknowledgement_url
    assert signed_in.get(_draft_url(draft))["Location"] == acknowledgement_url
    assert Dossier.objects.count() == 1


def test_the_acknowledgement_shows_the_receipt_once_received(
    world: World, signed_in: Client, citizen: Citizen, storage: Path
) -> None:
    draft = start(world, citizen)
    draft = drafts.draft_save(draft=draft, expected_revision=1, values=FILLED)
    drafts.draft_file_upload(draft=draft, component=FORM, content=pdf_bytes())
    dossier = drafts.draft_submit(draft=draft, expected_revision=draft.revision)
    services.dossier_receive(dossier=dossier, officer=world.receiver)
    dossier.refresh_from_db()
    page = signed_in.get(reverse("portal:draft_submitted", args=[draft.uuid]))
    text = text_of(page.content)
    assert "Your dossier was received" in text
    assert dossier.code is not None and dossier.code in text
    assert "Provisional" not in text
    [qr] = find(parse(page.content), "img")
    assert qr.attrs["src"].startswith("data:image/svg+xml")
    assert find(parse(page.content), "a", href=reverse("portal:my_dossier_slip", args=[dossier.code, "receipt"]))


def test_a_submission_with_problems_lists_them_and_creates_nothing(
    world: World, signed_in: Client, citizen: Citizen
) -> None:
    draft = start(world, citizen)
    review_url = reverse("portal:draft_review", args=[draft.uuid])
    page = signed_in.get(review_url)
    assert not find(parse(page.content), "button", value="submit")
    response = signed_in.post(review_url, {"revision": "1", "action": "submit"})
    assert response.status_code == 400
    errors = _errors(response)
    assert errors[f"{_draft_url(draft)}#f-request"] == "Fill in “What you are asking for”."
    assert errors[f"{_draft_url(draft)}#file-{slot_key(FORM)}"] == f"Attach “{FORM}”."
    assert not Dossier.objects.exists()


def test_a_draft_can_be_deleted(world: World, signed_in: Client, citizen: Citizen) -> None:
    draft = start(world, citizen)
    url = reverse("portal:draft_discard", args=[draft.uuid])
    assert signed_in.get(url).status_code == 200
    assert signed_in.post(url)["Location"] == reverse("portal:drafts")
    assert not Draft.objects.exists()


def test_changing_the_choices_checks_them_again(world: World, signed_in: Client, citizen: Citizen) -> None:
    draft = start(world, citizen)
    url = reverse("portal:draft_setup", args=[draft.uuid])
    page = signed_in.get(url)
    assert _value(page, "competent_agency") == world.ward.code
    refused = signed_in.post(
        url,
        {
            "revision": "1",
            "principal": f"self:{NGOC_ID}",
            "competent_agency": world.ward.code,
            "receiving_agency": world.centre_b.code,
        },
    )
    assert refused.status_code == 400
    changed = signed_in.post(
        url,
        {
            "revision": "1",
            "principal": f"self:{NGOC_ID}",
            "competent_agency": world.other_ward.code,
            "receiving_agency": "",
        },
    )
    assert changed.status_code == 302
    draft.refresh_from_db()
    assert (draft.competent_agency, draft.receiving_agency, draft.revision) == (
        world.other_ward,
        world.province_centre,
        2,
    )


def test_pages_are_vietnamese_by_default(world: World, citizen: Citizen) -> None:
    client = Client()
    client.force_login(citizen.user)
    with translation.override("vi"):
        response = client.get(_start_url())
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()[:200]
    assert re.search(r"Mã thủ tục\s+1\.001193", text_of(response.content))


def test_a_refused_file_and_the_forms_errors_are_listed_together(
    world: World, signed_in: Client, citizen: Citizen, storage: Path
) -> None:
    draft = start(world, citizen)
    key = slot_key(FORM)
    upload = SimpleUploadedFile("to-khai.pdf", pe_bytes(), content_type="application/pdf")
    response = _post_form(signed_in, draft, "1", action="review", **{**FILLED, "request": "", f"file-{key}": upload})
    assert response.status_code == 400
    errors = _errors(response)
    assert set(errors) == {"#f-request", f"#file-{key}"}
    assert errors[f"#file-{key}"].startswith("“to-khai.pdf” is named as a PDF document")


def test_a_file_over_the_size_limit_is_dropped_as_it_arrives(
    world: World, signed_in: Client, citizen: Citizen, storage: Path, settings: Settings
) -> None:
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024
    draft = start(world, citizen)
    key = slot_key(FORM)
    content = pdf_bytes(pages=12)
    assert len(content) > 2048
    big = SimpleUploadedFile("scan.pdf", content, content_type="application/pdf")
    response = _post_form(signed_in, draft, "1", action="save", **{**FILLED, f"file-{key}": big})
    assert response.status_code == 400
    assert _errors(response)[f"#file-{key}"].startswith("“scan.pdf” is larger than the limit of 1.0")
    draft.refresh_from_db()
    assert draft.data["request"] == FILLED["request"] and not draft.files.exists()


def test_a_form_posted_without_its_csrf_token_is_refused(world: World, citizen: Citizen) -> None:
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(citizen.user)
    draft = start(world, citizen)
    assert client.post(_draft_url(draft), {"revision": "1", **FILLED}).status_code == 403
    draft.refresh_from_db()
    assert draft.revision == 1
