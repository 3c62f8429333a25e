"""Sign-up and login by email, with the verification code sent by email."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from cthainguyen.models import User

pytestmark = pytest.mark.django_db


def sign_up(client, ward=None):
    return client.post(
        "/accounts/signup/",
        {
            "email": "Chi@Example.com",
            "full_name": "  Đỗ   Thị Chi ",
            "home_ward": ward.pk if ward else "",
            "password1": "mật-khẩu-đủ-dài-2026",
            "password2": "mật-khẩu-đủ-dài-2026",
        },
    )


def code_from_outbox():
    body = mail.outbox[-1].body
    match = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def test_signing_up_sends_a_code_and_the_code_confirms_the_address(client, ward):
    response = sign_up(client, ward)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "chi@example.com"
    assert user.full_name == "Đỗ Thị Chi"
    assert user.home_ward == ward
    assert not EmailAddress.objects.get(user=user).verified
    code = code_from_outbox()
    # Visiting the confirmation page is not confirming: only posting the code is.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert not EmailAddress.objects.get(user=user).verified
    confirmed = client.post(response["Location"], {"code": code})
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/reports/new/").status_code == 200


def test_a_wrong_code_confirms_nothing(client):
    response = sign_up(client)
    client.post(response["Location"], {"code": "ZZZZZZ"})
    assert not EmailAddress.objects.get().verified


def test_signing_up_without_a_name_is_refused_in_vietnamese(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "x@example.com",
            "full_name": "   ",
            "password1": "mật-khẩu-đủ-dài-2026",
            "password2": "mật-khẩu-đủ-dài-2026",
        },
    )
    assert response.status_code == 200
    assert User.objects.count() == 0
    assert "Trường này là bắt buộc" in response.content.decode()


def test_blank_emails_and_phones_are_stored_as_absent(db):
    first = User.objects.create_user(email="", full_name="Một", phone="")
    second = User.objects.create_user(email=None, full_name="Hai", phone=None)
    assert first.email is None and second.email is None
    assert first.phone is None and second.phone is None
