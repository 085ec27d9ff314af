from organisation.management.commands._hr import HrImportCommand


class Command(HrImportCommand):
    help = "Import the organisation (directorates, services, teams and their heads) from HR's file."
    slug = "organisation"
