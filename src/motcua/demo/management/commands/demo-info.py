from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.demo.services import DEMO_LOGINS


class Command(BaseCommand):
    help = "Print the demo URLs and logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["url"].rstrip("/")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"motcua is starting on {base}/"))
        self.stdout.write(f"  Portal:        {base}/")
        self.stdout.write(f"  Admin:         {base}/admin/")
        self.stdout.write(f"  API schema:    {base}/api/schema/")
        self.stdout.write(
            f"  Due-date API:  {base}/api/v1/calendar/due-date?start=2026-02-13T16:20:00%2B07:00&working_days=3"
        )
        self.stdout.write(
            f"  Apply online:  {base}/thu-tuc/1.004222/nop-ho-so/ (Đăng ký thường trú) or "
            f"{base}/thu-tuc/1.001193/nop-ho-so/ (Đăng ký khai sinh): sign in as a demo citizen at the stand-in "
            "identity provider, e.g. Trần Thị Bích Ngọc of Phường Sài Gòn, whose dossiers the demo officers receive"
        )
        self.stdout.write("  Demo logins:")
        for login in DEMO_LOGINS:
            self.stdout.write(f"    {login.username} / {login.password}  ({login.role}) → {base}{login.url}")
        self.stdout.write("")
