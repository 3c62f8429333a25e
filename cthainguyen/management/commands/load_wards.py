from django.core.management.base import BaseCommand

from cthainguyen.models import Ward
from cthainguyen.reference import load_wards


class Command(BaseCommand):
    help = "Load or refresh the province's wards and communes (safe to run again)."

    def handle(self, *args, **options):
        created = load_wards(Ward)
        self.stdout.write(f"{Ward.objects.count()} wards and communes, {created} new.")
