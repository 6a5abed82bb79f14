"""Issue #6 item 8: a birth registration from the citizen's sign-in to their rating, through the pages only.

A citizen of Phường Sài Gòn (Trần Thị Bích Ngọc, a demo identity of the stand-in provider) signs
in, finds "đăng ký khai sinh", fills the e-form, attaches the certificate of birth and submits. At
the ward's service centre the receiving officer receives the dossier and hands it over to the civil
status specialist of the ward's People's Committee, who asks for a readable certificate of birth.
The citizen sends only that document; the specialist sees the clock running again and passes the
dossier to the chairman, who marks the result ready and signs the birth certificate with the ward's
key; the returning officer hands it over. The citizen downloads the signed result and rates the
service on the 12 criteria.

Everything after the setup happens in the browser, and each step is checked by what the person sees.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from motcua.ratings.models import CRITERIA
from tests.e2e.support import NewPage, Screenshots, fill_birth_form, label, officer_log_in, pdf_file, vi, vi_n
from tests.e2e.world import CIVIL_STATUS_UNIT, LEADERS_UNIT, PROCEDURE, World

pytestmark = pytest.mark.slow

CITIZEN = "tran-thi-bich-ngoc"
CITIZEN_NAME = "Trần Thị Bích Ngọc"
CERTIFICATE_OF_BIRTH = "Giấy chứng sinh"
SUPPLEMENT_REASON = "Bản chụp bị mờ, không đọc được họ tên người mẹ."


def _done(action: str, state: str) -> str:
    """The back office's message after an action (both in their English source form)."""
    return vi("Done: %(action)s. The dossier is now: %(state)s.", action=vi(action), state=vi(state))


def _open_dossier(page: Page, link_text: str) -> None:
    page.goto("/can-bo/")
    page.get_by_role("row").filter(has_text=CITIZEN_NAME).get_by_role("link", name=link_text).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(vi("Dossier"))


def _hand_over(page: Page, *, step: str, role: str, unit: str, hours: str, agency: str, username: str) -> None:
    form = page.locator("#action-hand_over")
    form.get_by_label(label(vi("Step"))).fill(step)
    form.get_by_label(label(vi("Role that performs the step"))).select_option(role)
    form.get_by_label(label(vi("Organisational unit"))).fill(unit)
    form.get_by_label(label(vi("Time budget"))).fill(hours)
    form.get_by_label(label(vi("Unit of the time budget"))).select_option("working_hours")
    form.get_by_label(label(vi("Agency"))).select_option(label=agency)
    form.get_by_label(label(vi("Officer (username)"))).fill(username)
    form.get_by_role("button").click()


def test_a_birth_registration_from_the_application_to_the_rating(
    world: World, new_page: NewPage, shots: Screenshots, tmp_path: Path
) -> None:
    # -- the citizen signs in through the identity provider -------------------------------------------------
    citizen = new_page()
    citizen.goto("/")
    expect(citizen.locator("html")).to_have_attribute("lang", "vi")
    citizen.get_by_role("navigation", name=vi("Main menu")).get_by_role("link", name=vi("Sign in")).click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text(vi("Choose a demo identity"))
    citizen.locator(f"#identity-{CITIZEN}").check()
    citizen.locator("#level-2").check()
    shots.take(citizen, "identity provider")
    citizen.get_by_role("button", name=vi("Sign in with this identity")).click()
    menu = citizen.get_by_role("navigation", name=vi("Main menu"))
    expect(menu.get_by_role("link", name=vi("My dossiers"))).to_be_visible()
    shots.take(citizen, "signed in")

    # -- finds the procedure --------------------------------------------------------------------------------
    menu.get_by_role("link", name=vi("Administrative procedures")).click()
    citizen.get_by_label(vi("Search for a procedure")).fill("đăng ký khai sinh")
    citizen.get_by_role("button", name=vi("Search"), exact=True).click()
    results = citizen.locator("ol.result-list > li")
    expect(results.first).to_be_visible()
    assert results.count() > 1
    shots.take(citizen, "search results")
    results.filter(has_text=PROCEDURE).get_by_role("link").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")
    shots.take(citizen, "procedure page")

    # -- applies: the agencies, the prefilled e-form, the certificate of birth ----------------------------------
    citizen.get_by_role("link", name=vi("Submit online"), exact=True).click()
    expect(citizen.get_by_label(vi("Agency that decides on your dossier"))).to_have_value(world.ward.code)
    shots.take(citizen, "apply start")
    citizen.get_by_role("button", name=vi("Continue to the form")).click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Tờ khai đăng ký khai sinh")
    # The identity fills in five of the 27 fields (name, number, address, phone, e-mail): the citizen checks them.
    expect(citizen.locator("#prefill-count")).to_contain_text(
        vi_n(
            "%(counter)s of %(total)s fields is filled in from your identity.",
            "%(counter)s of %(total)s fields are filled in from your identity.",
            5,
            total=27,
        )
    )
    expect(citizen.get_by_label("Họ, chữ đệm, tên", exact=True)).to_have_value(CITIZEN_NAME)
    expect(citizen.get_by_label("Số định danh cá nhân", exact=True)).to_have_value("079190001234")
    shots.take(citizen, "form prefilled")
    fill_birth_form(citizen, child="Lê Bảo An", mother=CITIZEN_NAME)
    citizen.get_by_label(re.compile(f"^{CERTIFICATE_OF_BIRTH};")).set_input_files(
        pdf_file("giay-chung-sinh.pdf", "Giay chung sinh - ban chup")
    )
    shots.take(citizen, "form filled")
    citizen.get_by_role("button", name=vi("Continue to check and submit")).click()

    # -- checks and submits ------------------------------------------------------------------------------------
    expect(citizen.get_by_role("heading", level=1)).to_have_text(vi("Check your answers before you submit"))
    expect(citizen.get_by_text("Lê Bảo An")).to_be_visible()
    expect(citizen.get_by_text("giay-chung-sinh.pdf")).to_be_visible()
    shots.take(citizen, "review")
    citizen.get_by_role("button", name=vi("Submit the dossier")).click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text(vi("Your dossier was sent"))
    expect(citizen.locator("dl.summary")).to_contain_text(vi("Submitted, awaiting receipt"))
    expect(citizen.locator("dl.summary")).to_contain_text(world.centre.name)
    shots.take(citizen, "acknowledgement")

    # -- the receiving officer receives it and hands it over to the ward's civil status specialist -------------
    counter = new_page()
    officer_log_in(counter, world.receiver)
    shots.take(counter, "receiving officer queue")
    _open_dossier(counter, vi("Not received yet"))
    counter.locator("#action-receive").get_by_role("button").click()
    expect(counter.get_by_role("status")).to_contain_text(_done("receive the dossier", "Received"))
    # The dossier code: the receiving centre's code, the day of receipt, a number (Circular 01/2018 Art 19).
    heading = counter.get_by_role("heading", level=1).inner_text()
    found = re.search(rf"{re.escape(world.centre.code)}-\d{{6}}-\d{{4}}", heading)
    assert found is not None, heading
    code = found.group()
    shots.take(counter, "received")
    _hand_over(
        counter,
        step="Thẩm định, ghi Sổ đăng ký khai sinh, trình ký",
        role="specialist",
        unit=CIVIL_STATUS_UNIT,
        hours="4",
        agency=world.ward.name,
        username=world.specialist.username,
    )
    expect(counter.get_by_role("status")).to_contain_text(_done("hand the dossier over", "In process"))
    shots.take(counter, "handed over to the specialist")

    # -- the specialist asks for a readable certificate of birth: the clock stops --------------------------------
    specialist = new_page()
    officer_log_in(specialist, world.specialist)
    _open_dossier(specialist, code)
    shots.take(specialist, "specialist dossier page")
    request_form = specialist.locator("#action-request_supplement")
    request_form.get_by_label(label(vi("Documents and reasons"))).fill(f"{CERTIFICATE_OF_BIRTH}: {SUPPLEMENT_REASON}")
    request_form.get_by_role("button").click()
    expect(specialist.get_by_role("status")).to_contain_text(_done("request a supplement", "Supplement requested"))
    expect(
        specialist.get_by_text(vi("The clock stands still while the applicant supplements the dossier."))
    ).to_be_visible()
    shots.take(specialist, "supplement requested")

    # -- the citizen sees the request in "my dossiers" and sends that one document again --------------------------
    citizen.get_by_role("navigation", name=vi("Main menu")).get_by_role("link", name=vi("My dossiers")).click()
    row = citizen.locator("ul.result-list > li").filter(has_text=code)
    expect(row).to_contain_text(vi("Action needed: documents to supplement"))
    shots.take(citizen, "my dossiers with a request")
    row.get_by_role("link").click()
    request = citizen.locator(".notice-warning")
    expect(request).to_contain_text(vi("The agency asks you for these documents:"))
    expect(request).to_contain_text(f"{CERTIFICATE_OF_BIRTH}: {SUPPLEMENT_REASON}")
    shots.take(citizen, "dossier with the request")
    request.get_by_role("link", name=vi("Send the requested documents")).click()
    form = citizen.locator("form").filter(has=citizen.locator("input[type=file]"))
    expect(form.locator("input[type=file]")).to_have_count(1)  # only the document asked for
    form.get_by_label(label(CERTIFICATE_OF_BIRTH)).set_input_files(
        pdf_file("giay-chung-sinh-ro-net.pdf", "Giay chung sinh - ban chup ro net")
    )
    shots.take(citizen, "supplement form")
    form.get_by_role("button", name=vi("Send the documents")).click()
    expect(citizen.get_by_role("status")).to_contain_text(
        vi("Your documents were sent. The time limit runs again; the new appointment is shown below.")
    )
    expect(citizen.locator(".status")).to_have_text(vi("Being handled"))
    expect(citizen.get_by_text("giay-chung-sinh-ro-net.pdf")).to_be_visible()
    shots.take(citizen, "supplement sent")

    # -- the specialist sees the clock running again and passes the dossier to the chairman -----------------------
    specialist.reload()
    expect(specialist.locator("dl.summary").first).to_contain_text(vi("In process"))
    expect(
        specialist.get_by_text(vi("The clock stands still while the applicant supplements the dossier."))
    ).to_have_count(0)
    due = specialist.locator("section[aria-labelledby=due-title] .estimate time")
    expect(due).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    expect(specialist.locator("section[aria-labelledby=history-title]")).to_contain_text(
        vi("record the applicant's supplement").capitalize()
    )
    shots.take(specialist, "clock running again")
    _hand_over(
        specialist,
        step="Ký Giấy khai sinh",
        role="agency_leader",
        unit=LEADERS_UNIT,
        hours="2",
        agency=world.ward.name,
        username=world.leader.username,
    )
    # The dossier has left the specialist's desk: the page is the work queue now, with the message.
    expect(specialist.get_by_role("status")).to_contain_text(_done("hand the dossier over", "In process"))
    shots.take(specialist, "handed over to the chairman")

    # -- the chairman marks the result ready and signs the birth certificate with the ward's key ------------------
    leader = new_page()
    officer_log_in(leader, world.leader)
    _open_dossier(leader, code)
    ready_form = leader.locator("#action-mark_result_ready")
    ready_form.get_by_label(label(vi("Result documents"))).fill("Giấy khai sinh")
    ready_form.get_by_role("button").click()
    expect(leader.get_by_role("status")).to_contain_text(_done("mark the result ready", "Result ready"))
    shots.take(leader, "result ready")
    result = leader.locator("ul.results > li").filter(has_text="Giấy khai sinh")
    result.get_by_label(label(vi("Details printed under the result"))).fill(
        "Họ, chữ đệm, tên: Lê Bảo An. Ngày sinh: 11/11/2025. Nơi sinh: Bệnh viện Từ Dũ."
    )
    result.get_by_label(label(vi("Validity period or scope"))).fill("Không thời hạn")
    result.get_by_role("button", name=vi("Sign with the agency's key and issue")).click()
    expect(leader.get_by_role("status")).to_contain_text(
        vi("The result %(code)s was signed and issued: %(name)s.", code=f"{code}-KQ1", name="Giấy khai sinh")
    )
    expect(leader.get_by_role("link", name=vi("Open the signed result (PDF)"))).to_be_visible()
    shots.take(leader, "result signed")

    # -- the returning officer hands it over --------------------------------------------------------------------
    returner = new_page()
    officer_log_in(returner, world.returner)
    _open_dossier(returner, code)
    returner.locator("#action-return_result").get_by_role("button").click()
    expect(returner.get_by_role("status")).to_contain_text(_done("return the result", "Result returned"))
    shots.take(returner, "result returned")

    # -- the citizen downloads the signed result and rates the service ----------------------------------------------
    citizen.reload()
    expect(citizen.locator(".status")).to_have_text(vi("Result handed over"))
    shots.take(citizen, "result handed over")
    with citizen.expect_download() as download:
        citizen.get_by_role("link", name=re.compile(re.escape(vi("download the electronic result (PDF)")))).click()
    saved = tmp_path / "giay-khai-sinh.pdf"
    download.value.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/ByteRange" in pdf  # a signed PDF
    # Anyone can check it on the portal: the citizen uploads the file they downloaded.
    citizen.get_by_role("link", name=vi("Check an electronic result")).click()
    citizen.get_by_label(vi("The PDF file of the result")).set_input_files(saved)
    citizen.get_by_role("button", name=vi("Check"), exact=True).click()
    expect(citizen.locator("#verdict-title")).to_have_text(vi("Valid signature"))
    expect(citizen.get_by_text(vi("This file is exactly the one the agency issued."))).to_be_visible()
    expect(citizen.locator("section.verdict")).to_contain_text(world.ward.name)
    shots.take(citizen, "signature checked")

    citizen.get_by_role("navigation", name=vi("Main menu")).get_by_role("link", name=vi("My dossiers")).click()
    citizen.locator("ul.result-list > li").filter(has_text=code).get_by_role("link").click()

    citizen.get_by_role("link", name=vi("Rate the service")).click()
    criteria = citizen.locator("form fieldset")
    expect(criteria).to_have_count(len(CRITERIA))
    for number in range(len(CRITERIA)):
        criteria.nth(number).get_by_label(vi("Very satisfied")).check()
    citizen.get_by_label(vi("Comment (optional)")).fill("Cán bộ hướng dẫn rõ ràng, trả kết quả đúng hẹn.")
    shots.take(citizen, "rating form")
    citizen.get_by_role("button", name=vi("Send your rating")).click()
    expect(citizen.get_by_role("status")).to_contain_text(vi("Thank you. Your rating was recorded."))
    expect(citizen.get_by_role("link", name=vi("Change your rating of the service"))).to_be_visible()
    shots.take(citizen, "rated")
