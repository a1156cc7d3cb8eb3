"""Oversized or malformed requests get a clear Dutch page, never a 500."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

MB = 1024 * 1024


def test_the_limits_leave_room_for_a_full_import_file(settings):
    assert settings.NAP_IMPORT_MAX_BYTES == 5 * MB
    assert settings.NAP_MAX_REQUEST_BYTES == 5 * MB + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_ten_megabyte_upload_is_refused_before_it_is_read(admin_client):
    upload = SimpleUploadedFile("activiteiten.xlsx", b"\0" * (10 * MB))

    response = admin_client.post(reverse("admin:index"), {"import_file": upload})

    assert response.status_code == 413
    assert "Het verzoek is te groot" in response.text
    assert "hoogstens 5 MB" in response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_an_upload_within_the_limit_reaches_the_view(client, db):
    upload = SimpleUploadedFile("activiteiten.xlsx", b"\0" * (4 * MB))

    response = client.post(reverse("admin:login"), {"username": "x", "import_file": upload})

    # The login view parsed the whole form (the file streamed to disk) and answered normally.
    assert response.status_code == 200
    assert response.context["form"].data["username"] == "x"


def test_too_much_form_data_gets_the_same_clear_page(client, db):
    response = client.post(reverse("admin:login"), {"toelichting": "x" * (3 * MB)})

    assert response.status_code == 413
    assert "Het verzoek is te groot" in response.text


def test_a_malformed_upload_gets_a_dutch_400(client, db):
    response = client.post(
        reverse("admin:login"),
        data=b"--grens\r\nkapot",
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400
    assert "Dit verzoek kan niet worden verwerkt" in response.text


def test_too_many_form_fields_get_a_dutch_400(client, db):
    response = client.post(reverse("admin:login"), {f"veld{i}": "x" for i in range(1100)})

    assert response.status_code == 400
    assert "Dit verzoek kan niet worden verwerkt" in response.text


def test_an_unknown_host_gets_a_dutch_400(client, db):
    response = client.get("/", HTTP_HOST="aanvaller.example")

    assert response.status_code == 400
    assert "Dit verzoek kan niet worden verwerkt" in response.text
