"""Management at /api/admin and /beheer: the token, uploads with the ingest's bad-file rules, delete,
versions and rollback, all on the fake index with the real ingest pipeline."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ingest.store import IndexStore
from tests import new_article

TOKEN = "geheim-beheertoken-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
SEED = "003_b4ac6d7293bc88c6.txt"


@pytest.fixture
def settings(tmp_path):
    """The usual test settings, with a 1 MB file limit so an oversized upload stays small."""
    from tests.conftest import make_settings

    return make_settings(tmp_path / "data", min_relevance=0.05, max_file_mb=1)


def make_client(settings, assistant, **overrides):
    from assistant.web.app import create_app

    from pydantic import SecretStr

    values = {"admin_token": TOKEN, "rate_limit_per_minute": 0} | overrides
    values["admin_token"] = SecretStr(values["admin_token"])
    settings = settings.model_copy(update=values)
    return TestClient(create_app(settings, assistant=assistant))


@pytest.fixture
def admin(settings, fake_assistant):
    with make_client(settings, fake_assistant) as client:
        yield client


def live(settings) -> str:
    return IndexStore(settings.storage).require_current().version


def upload(client, *files, headers=BEARER):
    return client.post("/api/admin/articles", files=[("files", f) for f in files], headers=headers)


def ask(client) -> dict:
    return client.post("/api/ask", json={"question": new_article.QUESTION, "backend": "extractive"}).json()


def test_without_a_token_setting_management_does_not_exist(settings, fake_assistant):
    from assistant.web.app import create_app

    with TestClient(create_app(settings, assistant=fake_assistant)) as client:
        for path in ("/beheer", "/beheer/inloggen", "/api/admin/articles", "/api/admin/versions"):
            assert client.get(path, headers=BEARER).status_code == 404, path
        assert client.post("/api/admin/versions/x/activate", headers=BEARER).status_code == 404
        assert not [p for p in client.get("/openapi.json").json()["paths"] if p.startswith("/api/admin")]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer fout"}, {"Authorization": f"Basic {TOKEN}"}])
def test_a_missing_or_wrong_token_gets_401_and_changes_nothing(admin, settings, headers):
    before = live(settings)
    answers = [
        admin.get("/api/admin/articles", headers=headers),
        upload(admin, (new_article.NAME, new_article.TEXT.encode()), headers=headers),
        admin.delete(f"/api/admin/articles/{SEED}", headers=headers),
        admin.post(f"/api/admin/versions/{before}/activate", headers=headers),
    ]
    for response in answers:
        assert response.status_code == 401 and "error" in response.json()
        assert TOKEN not in response.text
    assert live(settings) == before
    assert admin.get("/beheer", follow_redirects=False).headers["location"] == "/beheer/inloggen"


def test_the_admin_api_is_in_the_openapi_docs(admin):
    paths = admin.get("/openapi.json").json()["paths"]
    assert {"/api/admin/articles", "/api/admin/articles/{source}", "/api/admin/versions",
            "/api/admin/versions/{version}/activate"} <= set(paths)


def test_bad_files_get_a_message_each_and_the_index_stays(admin, settings):
    before = live(settings)
    response = upload(
        admin,
        ("leeg.txt", b""),
        ("programma.txt", bytes(range(256)) * 40),
        ("enorm.txt", ("Buurtwerk in de wijk. " * 60_000).encode()),  # 1.3 MB, over max_file_mb=1
        ("verslag.docx", b"PK\x03\x04 word"),
    )
    assert response.status_code == 422
    messages = {f["name"]: f["message"] for f in response.json()["files"]}
    assert messages == {
        "leeg.txt": "Niet toegevoegd: leeg bestand.",
        "programma.txt": "Niet toegevoegd: binair bestand, geen tekst.",
        "enorm.txt": "Niet toegevoegd: te groot (1.3 MB, max 1 MB).",
        "verslag.docx": "Niet toegevoegd: bestandstype .docx wordt niet ondersteund (wel: txt, md, html, pdf).",
    }
    assert live(settings) == before
    assert sorted(p.name for p in settings.storage.article_files_dir.iterdir()) == sorted(
        IndexStore(settings.storage).require_current().files
    )


def test_upload_delete_and_rollback(admin, settings):
    first = live(settings)
    assert ask(admin)["refused"] is True

    response = upload(admin, (new_article.NAME, new_article.TEXT.encode()), ("leeg.md", b""))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] and body["version"] != first and live(settings) == body["version"]
    assert [(f["name"], f["added"]) for f in body["files"]] == [(new_article.NAME, True), ("leeg.md", False)]
    listed = {a["source"]: a for a in admin.get("/api/admin/articles", headers=BEARER).json()}
    assert SEED in listed and listed[new_article.NAME]["title"].startswith("Buurtkoks in Holtenbroek")
    assert listed[new_article.NAME]["author"] == "Marieke Jansen" and listed[new_article.NAME]["passages"] >= 1
    assert (settings.storage.article_files_dir / new_article.NAME).is_file()
    answer = ask(admin)  # the running server answers from the new version, no restart
    assert answer["refused"] is False and new_article.ANSWER_WORD in answer["answer"]
    assert answer["citations"][0]["source"] == new_article.NAME
    with_article = live(settings)

    response = admin.delete(f"/api/admin/articles/{new_article.NAME}", headers=BEARER)
    assert response.status_code == 200 and response.json()["changed"]
    assert new_article.NAME not in {a["source"] for a in admin.get("/api/admin/articles", headers=BEARER).json()}
    assert not (settings.storage.article_files_dir / new_article.NAME).exists()
    assert ask(admin)["refused"] is True
    assert admin.delete("/api/admin/articles/bestaat-niet.txt", headers=BEARER).status_code == 404

    versions = admin.get("/api/admin/versions", headers=BEARER).json()
    assert [v["version"] for v in versions][:3] == [live(settings), with_article, first]
    assert [v["live"] for v in versions][:2] == [True, False] and all(v["restorable"] for v in versions)
    response = admin.post(f"/api/admin/versions/{with_article}/activate", headers=BEARER)
    assert response.status_code == 200 and live(settings) == with_article
    assert (settings.storage.article_files_dir / new_article.NAME).is_file()  # the folder follows the rollback
    assert ask(admin)["refused"] is False
    assert admin.post("/api/admin/versions/onbekend/activate", headers=BEARER).status_code == 404


def test_old_versions_are_bounded_by_the_setting(settings, fake_assistant):
    with make_client(settings, fake_assistant, keep_index_versions=2) as client:
        for n in range(4):
            text = new_article.TEXT.replace("70 buurt", f"{70 + n} buurt")
            assert upload(client, (new_article.NAME, text.encode())).json()["changed"]
        again = upload(client, (new_article.NAME, text.encode())).json()
        assert not again["changed"] and again["files"][0]["message"].startswith("Ongewijzigd")
        versions = client.get("/api/admin/versions", headers=BEARER).json()
    assert len(versions) == 3 and versions[0]["live"]


def test_pages_log_in_with_a_signed_httponly_strict_cookie(admin):
    assert admin.get("/beheer/inloggen").status_code == 200
    wrong = admin.post("/beheer/inloggen", data={"token": "fout"}, follow_redirects=False)
    assert wrong.status_code == 401 and "klopt niet" in wrong.text and "set-cookie" not in wrong.headers
    right = admin.post("/beheer/inloggen", data={"token": TOKEN}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/beheer"
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    page = admin.get("/beheer")
    assert page.status_code == 200 and SEED in page.text and TOKEN not in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert admin.get("/api/admin/versions").status_code == 200  # the page's own calls use the cookie
    admin.post("/beheer/uitloggen")
    admin.cookies.clear()
    assert admin.get("/api/admin/versions").status_code == 401


def test_a_forged_or_foreign_cookie_is_refused(admin, settings, fake_assistant):
    admin.cookies.set("welzijn_beheer", "beheer.forged.signature")
    assert admin.get("/api/admin/versions").status_code == 401
    with make_client(settings, fake_assistant, admin_token="een-ander-token") as other:
        other.post("/beheer/inloggen", data={"token": "een-ander-token"})
        foreign = other.cookies.get("welzijn_beheer")
    admin.cookies.set("welzijn_beheer", foreign)
    assert admin.get("/api/admin/versions").status_code == 401


def test_an_answer_in_flight_finishes_on_the_version_it_started_on(admin, settings, fake_assistant):
    from assistant.core.types import Answer, Token

    assert upload(admin, (new_article.NAME, new_article.TEXT.encode())).status_code == 200
    pinned = fake_assistant.knowledge.snapshot()
    events = fake_assistant.stream(new_article.QUESTION, backend="extractive")
    assert any(isinstance(event, Token) for event in events)  # retrieved and checked: the answer is being written
    assert admin.delete(f"/api/admin/articles/{new_article.NAME}", headers=BEARER).status_code == 200
    answer = next(event for event in events if isinstance(event, Answer))
    assert not answer.refused and answer.citations[0].source == new_article.NAME
    # The next question reads the new version; the pinned old one still answers from its own Chroma folder.
    assert new_article.NAME not in fake_assistant.knowledge.articles()
    assert new_article.NAME in pinned.articles()
    assert pinned.retrieve(new_article.QUESTION)[0].source == new_article.NAME


def test_the_token_is_never_logged(admin, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        admin.post("/beheer/inloggen", data={"token": TOKEN})
        admin.post("/beheer/inloggen", data={"token": TOKEN + "x"})
        admin.get("/api/admin/versions", headers=BEARER)
        upload(admin, ("leeg.txt", b""))
    assert TOKEN not in caplog.text
