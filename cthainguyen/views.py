from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports import stats
from reports.models import Report


@require_GET
def home(request):
    latest = (
        Report.objects.public()
        .filter(state=Report.State.RESOLVED)
        .select_related("category", "ward")
        .order_by("-resolved_at", "-id")[:6]
    )
    return render(request, "home.html", {"latest": latest, "totals": stats.totals()})
