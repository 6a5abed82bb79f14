"""Readers of the National Public Service Portal's data (dichvucong.gov.vn): pure, no Django.

`parser` turns one crawled procedure record (the portal's HTML tables flattened into text) into
typed values with flags for everything it could not read; `xlsx` reads the portal's list exports.
"""
