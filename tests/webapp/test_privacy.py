"""The privacy notice (/privacy), its version, and the record of who read which version."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, DictLoader
from sqlmodel import select

from tests.webapp.conftest import PASSWORD, People, csrf_token, login, submit
from webapp import db
from webapp.models import PrivacyConsent, User
from webapp.services import accounts, privacy

SETTINGS: dict[str, Any] = {
    "PRIVACY_CONTROLLER": "Община Смолян",
    "PRIVACY_ADDRESS": "гр. Смолян 4700, бул. „България“ № 12",
    "PRIVACY_DPO_EMAIL": "dpo@smolyan.example",
    "PRIVACY_PHONE": "0301 6 76 00",
    "RETENTION_MONTHS": 36,
    "PROGRAMME_END": "2027-12-31",
}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def version_of(app: Flask) -> str:
    with app.app_context():
        return privacy.notice_version(app.jinja_env, privacy.notice_settings(app.config))


def consents(app: Flask, username: str) -> list[tuple[str, str]]:
    with app.app_context():
        database = db.session()
        user = database.exec(select(User).where(User.username == username)).one()
        rows = database.exec(select(PrivacyConsent).where(PrivacyConsent.user_id == user.id)
                             .order_by(PrivacyConsent.id)).all()  # type: ignore[arg-type]
        return [(row.notice_version, row.via) for row in rows]


def test_the_notice_is_built_from_the_settings_in_bulgarian_and_english(
        make_app: Any, build_dir: Any) -> None:
    client = make_app(**SETTINGS).test_client()
    page = text(client.get("/privacy"))
    for part in ("Защита на личните данни", "Община Смолян", "бул. „България“ № 12",
                 "dpo@smolyan.example", "0301 6 76 00",
                 "36 месеца след края на програмата (31 декември 2027)",
                 "чл. 6, параграф 1, буква „д“ от Регламента",
                 "чл. 6, параграф 1, буква „б“ от Регламента",
                 "Регламент (ЕС) 2016/679", "Закона за защита на личните данни (ЗЗЛД)",
                 "Комисията за защита на личните данни (КЗЛД)",
                 "бул. „Проф. Цветан Лазаров“ № 2", "https://www.cpdp.bg/",
                 "обучителите на вашата група", "само анонимни обобщени бройки",
                 "„Моите данни“", "Не обработваме данните ви въз основа на съгласие"):
        assert part in page, part
    client.get("/language?lang=en")
    page = text(client.get("/privacy"))
    for part in ("Personal data protection", "Община Смолян", "Article 6(1)(e)",
                 "36 months after the programme ends", "2 Prof. Tsvetan Lazarov Blvd."):
        assert part in page, part
    assert "Регламента" not in page


def test_without_settings_the_issuer_is_the_controller_and_no_period_is_claimed(
        app: Flask, client: FlaskClient) -> None:
    page = text(client.get("/privacy"))
    assert app.config["ISSUER_NAME"] in page
    assert "точният срок се определя от вътрешните правила на администратора" in page
    assert "месеца след" not in page  # no period is set: the criteria, not a made-up figure
    assert "Длъжностното лице" not in page  # no e-mail set, no empty sentence


def test_without_the_programmes_end_retention_counts_from_the_last_activity(
        make_app: Any, build_dir: Any) -> None:
    client = make_app(RETENTION_MONTHS=18).test_client()
    page = text(client.get("/privacy"))
    assert "Пазим данните ви 18 месеца след последната ви дейност в Dobro." in page
    assert "с потвърждение от координатор" in page


def test_the_version_changes_with_a_setting_or_the_template(make_app: Any,
                                                            build_dir: Any) -> None:
    first, same = make_app(**SETTINGS), make_app(**SETTINGS)
    assert version_of(first) == version_of(same)
    other = make_app(**{**SETTINGS, "PRIVACY_DPO_EMAIL": "zld@smolyan.example"})
    assert version_of(other) != version_of(first)
    longer = make_app(**{**SETTINGS, "RETENTION_MONTHS": 48})
    assert version_of(longer) != version_of(first)
    edited = make_app(**SETTINGS)
    source = edited.jinja_env.loader.get_source(edited.jinja_env,  # type: ignore[union-attr]
                                                "privacy/notice_bg.html")[0]
    edited.jinja_env.loader = ChoiceLoader([
        DictLoader({"privacy/notice_bg.html": source + "<p>Нов абзац.</p>"}),
        edited.jinja_env.loader])  # type: ignore[list-item]
    assert version_of(edited) != version_of(first)
    # The English text is a translation: only the Bulgarian one makes the version.
    assert len(version_of(first)) == 16


def test_every_page_links_the_notice(client: FlaskClient, people: People) -> None:
    for url in ("/", "/login", "/join", "/glossary"):
        assert 'href="/privacy"' in text(client.get(url)), url


def new_learner_code(app: Flask) -> str:
    with app.app_context():
        database = db.session()
        user = User(name="Петя Нова", role="learner", audience="ngo")
        database.add(user)
        database.commit()
        code = accounts.issue_code(database, user, "join", None)
        database.commit()
        return code


def join(client: FlaskClient, code: str, **extra: str) -> Any:
    data = {"code": code, "username": "petya.n", "email": "", "password": PASSWORD,
            "confirm": PASSWORD, **extra}
    return submit(client, "/join", data)


def test_joining_shows_the_notice_and_records_its_version(app: Flask, client: FlaskClient,
                                                         people: People) -> None:
    code = new_learner_code(app)
    page = text(client.get(f"/join?code={code}"))
    assert 'href="/privacy"' in page and 'name="privacy"' in page
    assert "Запознах се с информацията за защита на личните данни" in page
    refused = join(client, code)  # the box left empty
    assert refused.status_code == 200
    assert "отбележете полето" in text(refused)
    with app.app_context():
        assert db.session().exec(select(User).where(User.username == "petya.n")).first() is None
    done = join(client, code, privacy="y")
    assert done.status_code == 302 and done.location == "/"
    assert consents(app, "petya.n") == [(version_of(app), "join")]


def sign_in(client: FlaskClient, username: str, target: str = "") -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", query_string={"next": target} if target else None,
                       data={"csrf_token": token, "username": username, "password": PASSWORD})


def test_a_changed_notice_is_shown_at_the_next_sign_in_and_recorded(
        make_app: Any, build_dir: Any, people: People) -> None:
    app = make_app(**{**SETTINGS})
    client = app.test_client()
    with app.app_context():  # Иван read an earlier version
        database = db.session()
        user = database.get(User, people.learner.id)
        assert user is not None
        privacy.record(database, user, "0123456789abcdef", "join")
        database.commit()
    response = sign_in(client, "ivan", "/glossary")
    assert response.location == "/privacy/changed?next=/glossary"
    page = text(client.get(response.location))
    assert "Информацията за защита на личните данни е променена" in page
    assert "Община Смолян" in page
    assert 'href="#privacy-acknowledge"' in page and 'href="#privacy-rights"' in page
    done = submit(client, response.location, {"version": version_of(app)})
    assert done.status_code == 302 and done.location == "/glossary"
    assert consents(app, "ivan")[-1] == (version_of(app), "sign_in")
    submit(client, "/logout", {}, page="/")
    assert sign_in(client, "ivan").location == "/"  # read: not shown again


def test_staff_who_never_saw_it_are_shown_it_once(app: Flask, client: FlaskClient,
                                                  people: People) -> None:
    with app.app_context():
        database = db.session()
        admin = User(username="nova.admin", name="Нова Админова", role="admin")
        accounts.set_password(admin, PASSWORD)
        database.add(admin)
        database.commit()
    response = sign_in(client, "nova.admin")
    assert response.location.startswith("/privacy/changed?next=")
    page = text(client.get(response.location))
    assert "Информация за защита на личните данни" in page
    assert "е променена" not in page  # never read any version: nothing "changed"
    done = submit(client, response.location, {"version": version_of(app)})
    assert done.location == "/trainer/"
    submit(client, "/logout", {}, page="/")
    assert sign_in(client, "nova.admin").location == "/trainer/"


def test_reading_needs_the_token_and_the_version_shown(app: Flask, client: FlaskClient,
                                                       people: People) -> None:
    with app.app_context():
        database = db.session()
        for row in database.exec(select(PrivacyConsent)
                                 .where(PrivacyConsent.user_id == people.learner.id)):
            database.delete(row)
        database.commit()
    url = sign_in(client, "ivan").location
    no_token = client.post(url, data={"version": version_of(app)})
    assert no_token.status_code == 400
    stale = submit(client, url, {"version": "старата-версия"})
    assert stale.status_code == 400 and "Прочетох" in text(stale)
    empty = submit(client, url, {})
    assert empty.status_code == 400
    assert consents(app, "ivan") == []
    escape = submit(client, "/privacy/changed?next=//evil.example/", {"version": version_of(app)})
    assert escape.location == "/"
    assert consents(app, "ivan") == [(version_of(app), "sign_in")]
    again = submit(client, url, {"version": version_of(app)}, page=url)
    assert again.status_code == 302 and len(consents(app, "ivan")) == 1  # not twice


def test_the_notice_page_needs_no_account_but_the_interstitial_does(
        client: FlaskClient) -> None:
    assert client.get("/privacy").status_code == 200
    response = client.get("/privacy/changed")
    assert response.status_code == 302 and "/login" in response.location


def test_signing_in_as_the_fixture_people_goes_straight_on(client: FlaskClient,
                                                           people: People) -> None:
    assert login(client, "ivan").location == "/"


def test_the_notice_opens_with_its_contents(client: FlaskClient) -> None:
    page = text(client.get("/privacy"))
    assert '<a href="#privacy-rights">Вашите права и как да ги упражните</a>' in page
    assert page.count('<li><a href="#privacy-') == 7
