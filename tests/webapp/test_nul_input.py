"""A NUL character in a URL, a query or a form never reaches the database (PostgreSQL
refuses it in a text parameter, which was a 500): the app answers 404 for an address and
400 for what was sent, with a page in the user's language. Nothing already saved changes.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.webapp.conftest import People, csrf_token, login

ADDRESSES = ["/verify/ab%00cd", "/credentials/ab%00cd.jwt", "/credentials/ab%00cd",
             "/credentials/ab%00cd/status", "/certificates/ab%00cd.pdf",
             "/modules/%00", "/quiz/%00", "/pages/%00"]


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_with_nul_is_not_found(client: FlaskClient, people: People,
                                          address: str) -> None:
    login(client, "ivan")
    response = client.get(address)
    assert response.status_code == 404, address
    assert "не е намерена" in response.get_data(as_text=True).lower() or \
        "няма" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("query", ["/join?code=A%00B", "/search?q=%00", "/reset?code=%00",
                                   "/login?next=%00"])
def test_a_query_with_nul_is_refused_with_a_message(client: FlaskClient, people: People,
                                                    query: str) -> None:
    response = client.get(query)
    assert response.status_code == 400, query
    page = response.get_data(as_text=True)
    assert "непозволен знак" in page


def test_a_form_with_nul_is_refused_and_the_account_is_unchanged(client: FlaskClient,
                                                                 people: People) -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": "iv\x00an",
                                           "password": "x"})
    assert response.status_code == 400
    assert "непозволен знак" in response.get_data(as_text=True)
    # The same person signs in normally afterwards: nothing was counted or locked.
    assert login(client, "ivan").status_code == 302


def test_the_english_interface_says_it_in_english(client: FlaskClient, people: People) -> None:
    client.get("/language?lang=en&next=/")
    response = client.get("/search?q=%00")
    assert response.status_code == 400
    assert "a character that is not allowed" in response.get_data(as_text=True)


def test_a_script_is_answered_in_json(client: FlaskClient, people: People) -> None:
    response = client.get("/verify/x?lang=%00", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "непозволен знак" in response.get_json()["error"]
