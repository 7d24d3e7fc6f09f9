"""Sessions: logout, a password change and "sign out everywhere" end every session and
remember cookie of the account at once; remember cookies rotate and are HttpOnly,
SameSite=Lax and Secure under HTTPS; HTTPS (direct or behind a trusted proxy) gets Secure
cookies and HSTS; pages for signed-in users are not stored by caches."""

from http.cookies import SimpleCookie

import pytest
from itsdangerous import URLSafeTimedSerializer

from survey.models import Role
from survey.sessions import REMEMBER_COOKIE
from survey.users import change_password, end_all_sessions
from tests.helpers.accounts import PASSWORD, post_login
from tests.helpers.clients import isolated_client
from tests.helpers.discussion import cheap_passwords
from tests.helpers.pages import input_values
from tests.helpers.urlmap import rule_url, url_map_rules

ACCOUNT_PAGE = "/account"


@pytest.fixture(autouse=True)
def _cheap(monkeypatch):
    cheap_passwords(monkeypatch)


def remember_login(client, user):
    """Log in with "keep me logged in"; returns the Set-Cookie of the remember cookie."""
    token = input_values(client.get("/login").text).get("csrf_token")
    data = {"email": user.email, "password": PASSWORD, "remember": "y"}
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.text
    return set_cookie(response, REMEMBER_COOKIE)


def set_cookie(response, name):
    """The Set-Cookie header that sets `name`, parsed, or None."""
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        if name in cookie:
            return cookie[name], header
    return None


def signed_in(client) -> bool:
    return client.get(ACCOUNT_PAGE).status_code == 200


def cookie_value(client, name) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def browser_with(app, cookies: dict):
    """Another browser that holds exactly these cookies (captured from the first)."""
    other = isolated_client(app)
    for name, value in cookies.items():
        if value is not None:
            other.set_cookie(name, value)
    return other


def captured(client) -> dict:
    return {name: cookie_value(client, name) for name in ("session", REMEMBER_COOKIE)}


def test_logout_ends_a_captured_session_cookie(app, make_user):
    user = make_user()
    client = isolated_client(app)
    assert post_login(client, user.email).status_code == 302
    stolen = browser_with(app, {"session": cookie_value(client, "session")})
    assert signed_in(stolen)
    assert client.post("/logout").status_code == 302
    assert not signed_in(stolen)
    assert not signed_in(client)


def test_logout_ends_a_captured_remember_cookie(app, make_user):
    user = make_user()
    client = isolated_client(app)
    remember_login(client, user)
    stolen = browser_with(app, {REMEMBER_COOKIE: cookie_value(client, REMEMBER_COOKIE)})
    assert signed_in(stolen)  # the remember cookie alone signs in
    client.post("/logout")
    again = browser_with(app, {REMEMBER_COOKIE: cookie_value(stolen, REMEMBER_COOKIE)})
    assert not signed_in(again)
    original = browser_with(app, {REMEMBER_COOKIE: captured(client)[REMEMBER_COOKIE]})
    assert not signed_in(original)


@pytest.mark.parametrize("how", ["sign out everywhere", "password change"])
def test_every_session_of_the_account_ends_at_once(app, make_user, how):
    user = make_user()
    others = make_user("other@example.org")
    browsers = [isolated_client(app) for _ in range(3)]
    assert post_login(browsers[0], user.email).status_code == 302
    remember_login(browsers[1], user)
    remembered = browser_with(app, {REMEMBER_COOKIE: cookie_value(browsers[1], REMEMBER_COOKIE)})
    assert post_login(browsers[2], others.email).status_code == 302
    assert all(signed_in(b) for b in [*browsers, remembered])

    if how == "sign out everywhere":
        end_all_sessions(user)
    else:
        change_password(user, "a new and long passphrase")

    assert not signed_in(browsers[0])
    assert not signed_in(browsers[1])
    assert not signed_in(remembered)
    assert signed_in(browsers[2])  # another account's session is untouched


def test_cli_signs_an_account_out_everywhere(app, make_user):
    user = make_user()
    client = isolated_client(app)
    assert post_login(client, user.email).status_code == 302
    result = app.test_cli_runner().invoke(args=["user", "sign-out", "--email", user.email])
    assert result.exit_code == 0, result.output
    assert not signed_in(client)
    missing = app.test_cli_runner().invoke(args=["user", "sign-out", "--email", "no@example.org"])
    assert missing.exit_code == 1
    assert missing.output.startswith("error: ")


def test_remember_cookie_is_httponly_lax_and_not_secure_over_http(app, make_user):
    cookie, header = remember_login(isolated_client(app), make_user())
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    assert 0 < int(cookie["max-age"]) <= 30 * 24 * 3600


def test_remember_cookie_rotates(app, make_user):
    user = make_user()
    first = isolated_client(app)
    (one, _), (two, _) = remember_login(first, user), remember_login(isolated_client(app), user)
    assert one.value != two.value  # a new one at every login
    restored = browser_with(app, {REMEMBER_COOKIE: one.value})
    response = restored.get(ACCOUNT_PAGE)
    assert response.status_code == 200
    rotated, _header = set_cookie(response, REMEMBER_COOKIE)
    assert rotated.value not in (one.value, two.value)  # and a new one when it is used


def test_an_old_remember_cookie_is_refused_by_the_server(app, make_user, monkeypatch):
    user = make_user()
    serializer = URLSafeTimedSerializer(app.secret_key, salt="resonanz.remember")
    import itsdangerous.timed

    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: 1_000_000_000)  # 2001
    old = serializer.dumps([user.id, user.session_token, "x"])
    monkeypatch.undo()
    browser = browser_with(app, {REMEMBER_COOKIE: old})
    response = browser.get(ACCOUNT_PAGE)
    assert response.status_code == 302  # to the login page
    assert set_cookie(response, REMEMBER_COOKIE)[0].value == ""  # and the cookie is deleted


def test_a_forged_remember_cookie_is_refused(app, make_user):
    user = make_user()
    forged = URLSafeTimedSerializer("another key", salt="resonanz.remember").dumps(
        [user.id, user.session_token, "x"])
    assert not signed_in(browser_with(app, {REMEMBER_COOKIE: forged}))


# -- HTTPS ---------------------------------------------------------------------------------


def https_client(app, **kwargs):
    client = isolated_client(app)
    client.environ_base.update(kwargs)
    return client


def test_cookies_are_secure_and_hsts_is_sent_over_https(app, make_user):
    user = make_user()
    client = isolated_client(app)
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    token = input_values(response.text).get("csrf_token")
    data = {"email": user.email, "password": PASSWORD, "remember": "y"}
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data, base_url="https://localhost")
    assert response.status_code == 302
    session_cookie, _ = set_cookie(response, "session")
    remember, _ = set_cookie(response, REMEMBER_COOKIE)
    assert session_cookie["secure"] and remember["secure"]


def test_no_hsts_and_no_secure_cookie_over_plain_http(app, make_user):
    user = make_user()
    client = isolated_client(app)
    assert "Strict-Transport-Security" not in client.get("/login").headers
    response = post_login(client, user.email)
    session_cookie, _ = set_cookie(response, "session")
    assert not session_cookie["secure"]


@pytest.mark.parametrize("app_config", [{"PROXY_FIX_HOPS": 1}])
def test_behind_a_trusted_proxy_https_is_seen(app, make_user):
    user = make_user()
    client = https_client(app, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="203.0.113.9")
    response = client.get("/login")
    assert "Strict-Transport-Security" in response.headers
    response = post_login(client, user.email)
    assert set_cookie(response, "session")[0]["secure"]


def test_forwarded_headers_are_ignored_without_trusted_proxies(app, make_user):
    client = https_client(app, HTTP_X_FORWARDED_PROTO="https")
    response = client.get("/login")
    assert "Strict-Transport-Security" not in response.headers


# -- caches --------------------------------------------------------------------------------

GET_RULES = [rule for rule in url_map_rules() if "GET" in rule.methods
             and rule.endpoint != "static"]
PAGE_ARGUMENTS = {"slug": "test-survey", "survey": "test-survey", "token": "dummy-token",
                  "finding_id": "f", "comment_id": 1, "member_id": 1, "user_id": 1}


@pytest.mark.parametrize("rule", GET_RULES, ids=lambda r: f"{r.endpoint}:{r.rule}")
def test_no_page_for_a_signed_in_user_may_be_stored(app, make_survey, make_user, rule):
    make_survey()
    admin = make_user("admin@example.org", Role.ADMIN)
    client = isolated_client(app)
    assert post_login(client, admin.email).status_code == 302
    [served] = [r for r in app.url_map.iter_rules()
                if r.endpoint == rule.endpoint and r.rule == rule.rule]
    response = client.get(rule_url(app, served, PAGE_ARGUMENTS))
    assert response.headers.get("Cache-Control") == "no-store", response.status_code


def test_pages_for_visitors_are_not_marked_no_store(app, make_survey):
    make_survey()
    response = isolated_client(app).get("/")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_an_admin_signs_an_account_out_everywhere(app, make_user):
    admin = make_user("admin@example.org", Role.ADMIN)
    member = make_user()
    members_browser, admins_browser = isolated_client(app), isolated_client(app)
    remember_login(members_browser, member)
    assert post_login(admins_browser, admin.email).status_code == 302
    assert "Sign out everywhere" in admins_browser.get("/admin/").text
    response = admins_browser.post(f"/admin/users/{member.id}/sign-out")
    assert response.status_code == 302
    assert not signed_in(members_browser)
    assert signed_in(admins_browser)
    assert admins_browser.post("/admin/users/999999/sign-out").status_code == 404
    assert members_browser.post(f"/admin/users/{admin.id}/sign-out").status_code in (302, 403)
    assert signed_in(admins_browser)  # a member cannot sign anyone out
