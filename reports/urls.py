from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/new/", views.report_new, name="new"),
    path("reports/mine/", views.my_reports, name="mine"),
    path("reports/map.json", views.report_map_data, name="map_data"),
    path("reports/<str:code>/", views.report_detail, name="detail"),
    path("reports/<str:code>/rate/", views.report_rate, name="rate"),
    path("reports/<str:code>/events.json", views.report_events, name="events"),
    path("stats/", views.statistics, name="stats"),
]
