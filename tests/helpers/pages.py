"""Reading pages and answering the factory survey in them as a browser does."""

from html.parser import HTMLParser

# The answers a browser gives on each page of the factory survey (`tests.factories`);
# together they make the same response as COMPLETE_ANSWERS.
FACTORY_PAGES = {
    "first": {"consent": "y", "networks": ["xing", "linkedin", "other"],
              "networks__other": "Mastodon", "primary": "linkedin", "country": "de"},
    "second": {"activity__row__xing": "daily", "activity__row__linkedin": "rarely",
               "activity__row__other": "daily", "agree": "yes", "weekly": "7", "share": "12,5"},
    "third": {"future__rank__linkedin": "1", "future__rank__xing": "2",
              "future__rank__facebook": "3", "comment": "Interesting."},
}


class _FormInputs(HTMLParser):
    """The name and value of every <input> of a page."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.values.setdefault(attributes["name"], attributes.get("value") or "")


def input_values(html: str) -> dict[str, str]:
    """{name: value} of the inputs on a page (the first one of each name)."""
    parser = _FormInputs()
    parser.feed(html)
    return parser.values


def finish_factory_survey(client, slug="test-survey", pages=None):
    """Answer every page of the factory survey in a browser; returns the final POST's response."""
    pages = pages or FACTORY_PAGES
    response = None
    for _ in range(len(pages)):
        page = client.get(f"/s/{slug}")
        assert page.status_code == 200, page.text
        hidden = input_values(page.text)
        data = {**pages[hidden["page"]], "action": "next", "page": hidden["page"],
                "submission_id": hidden["submission_id"]}
        if "csrf_token" in hidden:
            data["csrf_token"] = hidden["csrf_token"]
        response = client.post(f"/s/{slug}", data=data)
        assert response.status_code == 302, response.text
    return response
