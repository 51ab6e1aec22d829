"""Importers: `ontmoet knowledge import FILE`.

    Open Referral HSDS  .json (compiled services or table-shaped) or a directory / .zip
                        of HSDS CSV tables (organizations.csv, services.csv, locations.csv,
                        service_at_locations.csv, schedules.csv, phones.csv, addresses.csv)
    iCalendar           .ics agenda of a place (VEVENT with SUMMARY, DTSTART, optional RRULE)
    Template CSV        .csv with the columns of knowledge/examples/template-huiskamers.csv

Every importer first parses and validates the WHOLE file; one problem rejects the
file with errors naming file, row and field, and nothing is written. Valid files
are written in one transaction under origin "import:<file name>": re-importing
the same file changes nothing; importing a new version of it replaces the
records of the old version.
"""
from knowledge.importers.common import ImportResult  # noqa: F401
from knowledge.importers.run import import_file  # noqa: F401
