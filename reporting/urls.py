from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<slug:slug>.pdf", views.report_document, {"kind": "pdf"}, name="pdf"),
    path("<slug:slug>.docx", views.report_document, {"kind": "docx"}, name="docx"),
    path("<slug:slug>.xlsx", views.report_document, {"kind": "xlsx"}, name="xlsx"),
    path("<slug:slug>/", views.report_detail, name="detail"),
    path("<slug:slug>/wijzigingen/", views.report_changes_page, name="changes"),
    path("<slug:slug>/vergelijk/", views.report_compare_choice, name="compare-choice"),
    path("<slug:slug>/vergelijk/<slug:other>/", views.report_compare, name="compare"),
]
