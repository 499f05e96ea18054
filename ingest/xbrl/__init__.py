"""The filer's XBRL tags: read them (read, formats), link them to parsed table cells (link)."""
