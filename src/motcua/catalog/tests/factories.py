"""Build catalogue content for tests through the real services."""

from __future__ import annotations

from typing import Any

from motcua.catalog import services
from motcua.catalog.content import VersionContent
from motcua.catalog.models import ProcedureVersion


def content(name: str = "Đăng ký khai sinh", **overrides: Any) -> VersionContent:
    """A complete version content (components a–g present), changed by `overrides`."""
    base: VersionContent = {
        "name": name,
        "decision_number": "1872/QĐ-BTP",
        "decision_date": None,
        "levels": ["commune"],
        "levels_text": "Cấp xã",
        "kind": "TTHC được luật giao quy định chi tiết",
        "fields": ["Hộ tịch"],
        "applicants": ["Công dân Việt Nam"],
        "competent_agency": "Ủy ban nhân dân cấp xã",
        "implementing_agency": "Ủy ban nhân dân cấp xã",
        "delegated_agency": "",
        "coordinating_agency": "",
        "receiving_address": "",
        "steps": ["Bước 1: Nộp hồ sơ.", "Bước 2: Công chức tư pháp - hộ tịch kiểm tra, trình ký."],
        "conditions": "",
        "related_procedures": "",
        "online_level": "full",
        "online_level_reason": "",
        "same_day_cutoff": "15:00",
        "source_url": "",
        "channels": [
            {
                "channel": "in_person",
                "time_limit_value": "0",
                "time_limit_unit": "working_days",
                "time_limit_source": "explicit",
                "time_limit_text": "Ngay trong ngày tiếp nhận hồ sơ",
                "description": "",
                "fees": [
                    {
                        "amount_vnd": 0,
                        "amount": "0",
                        "currency": "VND",
                        "is_free": True,
                        "understood": True,
                        "text": "Miễn phí",
                    }
                ],
            },
            {
                "channel": "online",
                "time_limit_value": "0",
                "time_limit_unit": "working_days",
                "time_limit_source": "explicit",
                "time_limit_text": "Ngay trong ngày tiếp nhận hồ sơ",
                "description": "",
                "fees": [
                    {
                        "amount_vnd": 0,
                        "amount": "0",
                        "currency": "VND",
                        "is_free": True,
                        "understood": True,
                        "text": "Miễn phí",
                    }
                ],
            },
        ],
        "documents": [
            {
                "case_name": "",
                "name": "Tờ khai đăng ký khai sinh",
                "originals": 1,
                "copies": 0,
                "quantity_text": "1 bản chính",
                "templates": ["Tờ khai đăng ký khai sinh.docx"],
                "is_required": True,
                "reusable_from_data": False,
            }
        ],
        "legal_basis": [
            {"title": "Luật Hộ tịch 2014", "number": "60/2014/QH13", "issued_on": None, "effective_on": None}
        ],
        "results": [{"name": "Giấy khai sinh", "code": "KQ.G15.000010", "requires_paper": False}],
        "flags": [],
    }
    base.update(overrides)  # type: ignore[typeddict-item]
    return base


def procedure(code: str = "1.001193", name: str = "Đăng ký khai sinh", **overrides: Any) -> ProcedureVersion:
    """Import a complete procedure (published on import) and return its version in force."""
    outcome = services.procedure_import(
        code=code, content=content(name, **overrides), source_record={}, actor="test", source="operator"
    )
    return outcome.version
