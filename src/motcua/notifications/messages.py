"""The texts of notifications, written in Vietnamese whatever the language of the request.

Every string is translatable (English source, Vietnamese catalogue) and rendered under
`translation.override("vi")`: the applicant reads Vietnamese, and a notification's text is kept
as it was sent. Officers' texts are rendered the same way and stored, so the inbox shows what was
said at the time. SMS texts go through sms.to_sms_text (no diacritics, one GSM-7 segment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier, HistoryEntry, Step
from motcua.dossiers.workflow import CLOCK_RUNS, STATE_LABELS, State
from motcua.notifications.sms import to_sms_text

__all__ = ["LANGUAGE", "Text", "apology_text", "deadline_text", "moment", "status_text"]

# Notifications are written in Vietnamese, the platform's default language (settings.LANGUAGE_CODE).
LANGUAGE = "vi"
SUBJECT_LIMIT = 255


@dataclass(frozen=True, slots=True)
class Text:
    subject: str
    body: str
    sms: str = ""


def moment(value: datetime) -> str:
    """A moment as Vietnamese documents write it, in the deployment's zone: "09:00, 03/03/2026"."""
    return timezone.localtime(value).strftime("%H:%M, %d/%m/%Y")


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _subject(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SUBJECT_LIMIT else line[: SUBJECT_LIMIT - 1] + "…"


def _state_label(state: str) -> str:
    try:
        return str(STATE_LABELS[State(state)])
    except ValueError:
        return state


def _reference(dossier: Dossier) -> str:
    return dossier.code or str(dossier.uuid)


# -- officers: deadlines ---------------------------------------------------------------------------------


def deadline_text(*, breached: bool, dossier: Dossier, step: Step | None, due_at: datetime) -> Text:
    """The inbox text of a warning (due soon) or a breach (past due), for a dossier or one of its steps."""
    with translation.override(LANGUAGE):
        values = {
            "code": _reference(dossier),
            "due": moment(due_at),
            "order": step.order if step is not None else 0,
            "procedure": dossier.procedure_version.name,
            "applicant": dossier.applicant_name,
        }
        if step is None:
            subject = (
                _("Dossier %(code)s is past its due moment (%(due)s)")
                if breached
                else _("Dossier %(code)s falls due at %(due)s")
            )
        else:
            subject = (
                _("Step %(order)s of dossier %(code)s is past its due moment (%(due)s)")
                if breached
                else _("Step %(order)s of dossier %(code)s falls due at %(due)s")
            )
        lines = [
            _("Procedure: %(procedure)s.") % values,
            _("Applicant: %(applicant)s.") % values,
        ]
        if step is not None:
            lines.append(
                _("Step %(order)s: %(step)s (%(unit)s, %(agency)s).")
                % {"order": step.order, "step": step.name, "unit": step.unit, "agency": step.agency.name}
            )
        if breached and step is None:
            # QĐ 766/QĐ-TTg (domain §2.6, §5): a dossier finished after its due moment counts as
            # late, whatever appointment was given, and late results weigh on the unit and its head.
            lines.append(_("The dossier is late: finish it as soon as possible and tell the applicant."))
        elif breached:
            lines.append(_("The step is late and is recorded as late on the process control slip."))
        elif step is None:
            # Domain §2.6: before the due moment, the apology letter with the reason and a new appointment.
            lines.append(
                _(
                    "If the result cannot be ready in time, issue the apology letter with the reason and a new "
                    "appointment before the due moment."
                )
            )
        else:
            lines.append(_("Finish the step or hand the dossier over before then."))
        return Text(subject=_subject(subject % values), body="\n".join(lines))


# -- applicants: status changes and apologies --------------------------------------------------------------


def _items(entries: object) -> list[str]:
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        return []
    lines = []
    for item in entries:
        if isinstance(item, dict) and item.get("document"):
            lines.append(f"- {item['document']}: {item.get('reason', '')}".rstrip(": "))
    return lines


def _status_details(to_state: State, from_state: str, dossier: Dossier, entry: HistoryEntry) -> list[str]:
    data = entry.data if isinstance(entry.data, dict) else {}
    if to_state is State.SUBMITTED:
        return [_("The receiving officer will check it; you will be told when it is received.")]
    if to_state is State.RECEIVED:
        return [_("It was received as complete.")]
    if to_state is State.REFUSED:
        return [_("It was not received. Reason: %(reason)s") % {"reason": entry.reason}]
    if to_state is State.IN_PROCESS:
        if from_state == State.SUPPLEMENT_REQUESTED:
            return [_("Your supplement was received and processing continues.")]
        if from_state == State.AWAITING_PAYMENT:
            return [_("Your payment was recorded and processing continues.")]
        return [_("It is being processed.")]
    if to_state is State.SUPPLEMENT_REQUESTED:
        # Nghị định 63/2010/NĐ-CP Art 18(5): what to supplement is said once, in writing, with reasons.
        return [
            _("Please supplement these documents; the time limit stands still until you do:"),
            *_items(data.get("items")),
        ]
    if to_state is State.AWAITING_PAYMENT:
        amount = data.get("amount_vnd")
        if isinstance(amount, int):
            return [
                _("Please pay %(amount)s đồng (%(description)s) to continue.")
                % {"amount": _money(amount), "description": data.get("description", "")}
            ]
        return [_("Please pay the fees to continue.")]
    if to_state is State.WITHDRAWN:
        return [_("It was withdrawn at your request.")]
    if to_state is State.STOPPED:
        return [_("Its processing was stopped. Reason: %(reason)s") % {"reason": entry.reason}]
    if to_state is State.RESULT_READY:
        return [_("The result is ready; you may collect it at %(place)s.") % {"place": dossier.receiving_agency.name}]
    if to_state is State.RETURNED:
        return [_("The result was handed over to you.")]
    return []


def status_text(
    *,
    dossier: Dossier,
    code: str | None,
    entry: HistoryEntry,
    from_state: str,
    to_state: str,
    appointment_at: datetime | None,
) -> Text:
    """What the applicant is told when the national status code of the dossier changes (domain §2.3).

    `code` and the rest are as the event recorded them: a dossier submitted online has no code
    until it is received, even if it has one by the time the notification is written.
    """
    state = State(to_state)
    with translation.override(LANGUAGE):
        values = {
            "code": code or "",
            "procedure": dossier.procedure_version.name,
            "status": _state_label(to_state),
            "name": dossier.applicant_name,
            "agency": dossier.handling_agency.name,
            "appointment": moment(appointment_at) if appointment_at is not None else "",
        }
        with_appointment = appointment_at is not None and state in CLOCK_RUNS
        if code:
            subject = _("Dossier %(code)s: %(status)s") % values
            opening = _("Your dossier %(code)s (%(procedure)s) now has the status “%(status)s”.") % values
            sms = (
                _("Dossier %(code)s: %(status)s. Appointment: %(appointment)s.")
                if with_appointment
                else _("Dossier %(code)s: %(status)s.")
            ) % values
        else:
            subject = _("Your dossier: %(status)s") % values
            opening = _("Your dossier for %(procedure)s now has the status “%(status)s”.") % values
            sms = _("Your dossier for %(procedure)s: %(status)s.") % values
        lines = [_("Dear %(name)s,") % values, "", opening, *_status_details(state, from_state, dossier, entry)]
        if with_appointment:
            lines.append(_("Appointment for the result: %(appointment)s.") % values)
        lines += ["", _("Agency handling the dossier: %(agency)s.") % values, _footer()]
        return Text(subject=_subject(subject), body="\n".join(lines), sms=to_sms_text(sms))


def apology_text(*, dossier: Dossier, entry: HistoryEntry, new_appointment_at: datetime) -> Text:
    """The apology letter and new appointment of a dossier that will be late (domain §2.6).

    Legal basis (domain §2.6 "late obligations", §2.4 form 04): before the due moment the handling
    agency apologises in writing with the reason and a new appointment ("Phiếu xin lỗi và hẹn lại ngày
    trả kết quả", Thông tư 01/2018/TT-VPCP; "Văn bản xin lỗi và đề nghị gia hạn", Thông tư
    03/2025/TT-VPCP), sent by e-mail or SMS for an online dossier; Resolution 131/NQ-CP: every late
    dossier needs an apology to the applicant.
    """
    data = entry.data if isinstance(entry.data, dict) else {}
    previous_raw = data.get("previous_appointment_at")
    previous = datetime.fromisoformat(previous_raw) if isinstance(previous_raw, str) else None
    with translation.override(LANGUAGE):
        values = {
            "code": _reference(dossier),
            "procedure": dossier.procedure_version.name,
            "name": dossier.applicant_name,
            "agency": dossier.handling_agency.name,
            "previous": moment(previous) if previous is not None else "",
            "new": moment(new_appointment_at),
            "reason": entry.reason,
        }
        subject = _("Dossier %(code)s: apology and new appointment") % values
        lines = [
            _("Dear %(name)s,") % values,
            "",
            (
                _(
                    "%(agency)s apologises: your dossier %(code)s (%(procedure)s) will not be ready by the "
                    "appointment of %(previous)s."
                )
                if previous is not None
                else _("%(agency)s apologises: your dossier %(code)s (%(procedure)s) will not be ready on time.")
            )
            % values,
            _("Reason: %(reason)s") % values,
            _("New appointment for the result: %(new)s.") % values,
            "",
            _footer(),
        ]
        sms = _("Dossier %(code)s will be late, we apologise. New appointment: %(new)s. Reason: %(reason)s") % values
        return Text(subject=_subject(subject), body="\n".join(lines), sms=to_sms_text(sms))


def _footer() -> str:
    return _("This message was sent automatically; please do not reply to it.")
