"""The `motcua` console command: the project's management entry point.

`motcua migrate`, `motcua runserver`, `motcua load-reference-data`, ... are Django management
commands run with the project's settings, whatever the current directory.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
