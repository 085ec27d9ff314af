from organisation.management.commands._hr import HrImportCommand


class Command(HrImportCommand):
    help = "Import the people (joiners, movers, leavers) from HR's file."
    slug = "people"
