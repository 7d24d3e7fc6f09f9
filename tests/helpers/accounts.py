"""Accounts in tests: the password every test account has, and logging in as a browser does."""

from tests.helpers.pages import input_values

PASSWORD = "correct horse battery"


def post_login(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Post the login form as a browser does, with the page's CSRF token where it has one;
    returns the response."""
    token = input_values(client.get("/login").get_data(as_text=True)).get("csrf_token")
    data = {"email": email, "password": password}
    if token:
        data["csrf_token"] = token
    query = {"next": next_url} if next_url is not None else {}
    return client.post("/login", query_string=query, data=data)


def log_in(client, user, password: str = PASSWORD):
    """Log `user` in through the login form; fails the test unless it worked."""
    response = post_login(client, user.email, password)
    assert response.status_code == 302, response.text
    return user
